// Normalization layers against PyTorch 1.13 (tests/data/make_norm_fixtures.py):
// outputs, gradients and BatchNorm's running statistics; gradient checks of
// the functional ops; and the errors for misuse.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "helpers.h"

using namespace nabla;
namespace F = nabla::nn::functional;
using testing::leaf;
using testing::require_close;

namespace {

Tensor fixture(const std::string& name) { return testing::load_fixture("nn/norm/" + name); }

// Writes `value` into a parameter or buffer (no autograd).
void assign(Tensor t, const Tensor& value) {
  NoGradGuard no_grad;
  t.copy_(value);
}

// Forward + backward of sum(module(x) * g); compares y and every gradient
// with the fixtures <prefix>_y, _dx, _dw, _db.
void check_affine_case(nn::Module& m, const Tensor& weight, const Tensor& bias, const std::string& prefix) {
  m.to(kFloat64);
  assign(weight, fixture(prefix + "_w"));
  assign(bias, fixture(prefix + "_b"));
  Tensor x = fixture(prefix + "_x").requires_grad_();
  Tensor y = m(x);
  (y * fixture(prefix + "_g")).sum().backward();
  require_close(y, fixture(prefix + "_y"), 1e-10);
  require_close(x.grad(), fixture(prefix + "_dx"), 1e-10);
  require_close(weight.grad(), fixture(prefix + "_dw"), 1e-10);
  require_close(bias.grad(), fixture(prefix + "_db"), 1e-10);
}

}  // namespace

// ---- LayerNorm ---------------------------------------------------------------------------

TEST_CASE("LayerNorm matches PyTorch: values and gradients", "[norm]") {
  SECTION("over the last two dims") {
    nn::LayerNorm m({3, 4});
    check_affine_case(m, m.weight, m.bias, "ln2");
  }
  SECTION("over the last dim") {
    nn::LayerNorm m(5);
    check_affine_case(m, m.weight, m.bias, "ln1");
  }
  SECTION("float32") {
    Tensor x = fixture("ln2_x").astype(kFloat32);
    Tensor y = F::layer_norm(x, {3, 4}, fixture("ln2_w").astype(kFloat32), fixture("ln2_b").astype(kFloat32));
    REQUIRE(y.dtype() == kFloat32);
    require_close(y, fixture("ln2_y"), 1e-5);
  }
}

TEST_CASE("LayerNorm: parameters, repr, no affine", "[norm]") {
  nn::LayerNorm m(8);
  REQUIRE(m.repr() == "LayerNorm((8,), eps=1e-05, elementwise_affine=True)");
  auto named = m.named_parameters();
  REQUIRE(named.size() == 2);
  REQUIRE(named[0].first == "weight");
  REQUIRE(named[1].first == "bias");
  REQUIRE(testing::values(m.weight) == std::vector<double>(8, 1.0));
  REQUIRE(testing::values(m.bias) == std::vector<double>(8, 0.0));

  nn::LayerNorm plain({3, 4}, 1e-6, false);
  REQUIRE(plain.parameters().empty());
  REQUIRE(plain.repr() == "LayerNorm((3, 4), eps=1e-06, elementwise_affine=False)");
  // Without affine parameters every (sample) slice has mean 0 and variance 1.
  Tensor y = plain(fixture("ln2_x"));
  require_close(mean(y, {1, 2}), zeros({2}, kFloat64), 1e-12);
  require_close(var(y, {1, 2}), full({2}, 1.0, kFloat64), 1e-4);  // eps shifts it slightly
}

TEST_CASE("gradcheck: layer_norm", "[gradcheck][norm]") {
  Tensor x = leaf({2, 3, 4});
  Tensor w = leaf({3, 4}, 2), b = leaf({3, 4}, 3);
  auto fn = [](const std::vector<Tensor>& in) { return F::layer_norm(in[0], {3, 4}, in[1], in[2]); };
  REQUIRE(autograd::gradcheck(fn, {x, w, b}));
  REQUIRE(autograd::gradgradcheck(fn, {x, w, b}));
  REQUIRE(testing::check1([](auto t) { return F::layer_norm(t, {5}); }, leaf({3, 5}, 4)));
}

TEST_CASE("layer_norm: bad shapes are errors", "[norm]") {
  Tensor x = zeros({2, 3, 4});
  REQUIRE_THROWS_WITH(F::layer_norm(x, {3}), Catch::Contains("layer_norm") && Catch::Contains("(2, 3, 4)") &&
                                                 Catch::Contains("does not end with normalized_shape (3,)"));
  REQUIRE_THROWS_AS(F::layer_norm(x, {2, 3, 4, 5}), Error);
  REQUIRE_THROWS_WITH(F::layer_norm(x, {4}, ones({5})), Catch::Contains("weight has shape (5,), expected (4,)"));
  REQUIRE_THROWS_AS(F::layer_norm(x, {}), Error);
  REQUIRE_THROWS_AS(F::layer_norm(zeros({2, 4}, kInt64), {4}), Error);
  nn::LayerNorm m(6);
  REQUIRE_THROWS_WITH(m(x), Catch::Contains("layer_norm"));
}

// ---- GroupNorm ---------------------------------------------------------------------------

TEST_CASE("GroupNorm matches PyTorch: values and gradients", "[norm]") {
  nn::GroupNorm m(3, 6);
  REQUIRE(m.repr() == "GroupNorm(3, 6, eps=1e-05, affine=True)");
  check_affine_case(m, m.weight, m.bias, "gn");
}

TEST_CASE("gradcheck: group_norm", "[gradcheck][norm]") {
  Tensor x = leaf({2, 4, 3});
  Tensor w = leaf({4}, 2), b = leaf({4}, 3);
  auto fn = [](const std::vector<Tensor>& in) { return F::group_norm(in[0], 2, in[1], in[2]); };
  REQUIRE(autograd::gradcheck(fn, {x, w, b}));
  REQUIRE(autograd::gradgradcheck(fn, {x, w, b}));
}

TEST_CASE("group_norm: channels must split into the groups", "[norm]") {
  REQUIRE_THROWS_WITH(F::group_norm(zeros({2, 6, 3}), 4),
                      Catch::Contains("group_norm") && Catch::Contains("6") && Catch::Contains("num_groups = 4"));
  REQUIRE_THROWS_AS(F::group_norm(zeros({2, 6}), 3, ones({3})), Error);
  REQUIRE_THROWS_AS(nn::GroupNorm(4, 6), Error);
  nn::GroupNorm m(2, 4);
  REQUIRE_THROWS_WITH(m(zeros({2, 6, 3})), Catch::Contains("GroupNorm.forward") && Catch::Contains("(2, 6, 3)"));
}

// ---- BatchNorm ---------------------------------------------------------------------------

TEST_CASE("BatchNorm2d matches PyTorch: training steps, running statistics, evaluation", "[norm]") {
  nn::BatchNorm2d bn(3, 1e-5, 0.2);
  bn.to(kFloat64);
  assign(bn.weight, fixture("bn2d_w"));
  assign(bn.bias, fixture("bn2d_b"));
  bn.train();
  for (int step = 0; step < 3; ++step) {
    const std::string s = std::to_string(step);
    Tensor x = fixture("bn2d_x" + s).requires_grad_();
    Tensor y = bn(x);
    require_close(y, fixture("bn2d_y" + s), 1e-10);
    require_close(bn.running_mean, fixture("bn2d_rm" + s), 1e-12);
    require_close(bn.running_var, fixture("bn2d_rv" + s), 1e-12);
    if (step == 2) {
      (y * fixture("bn2d_g")).sum().backward();
      require_close(x.grad(), fixture("bn2d_dx"), 1e-10);
      require_close(bn.weight.grad(), fixture("bn2d_dw"), 1e-10);
      require_close(bn.bias.grad(), fixture("bn2d_db"), 1e-10);
    }
  }
  REQUIRE(bn.num_batches_tracked.dtype() == kInt64);
  REQUIRE(bn.num_batches_tracked.item<int64_t>() == fixture("bn2d_nbt").item<int64_t>());

  // Evaluation: the running statistics, which stay untouched.
  bn.eval();
  bn.zero_grad();
  Tensor rm_before = bn.running_mean.clone();
  Tensor x = fixture("bn2d_xe").requires_grad_();
  Tensor y = bn(x);
  (y * fixture("bn2d_ge")).sum().backward();
  require_close(y, fixture("bn2d_ye"), 1e-10);
  require_close(x.grad(), fixture("bn2d_dxe"), 1e-10);
  require_close(bn.weight.grad(), fixture("bn2d_dwe"), 1e-10);
  require_close(bn.bias.grad(), fixture("bn2d_dbe"), 1e-10);
  REQUIRE(equal(bn.running_mean, rm_before));
  REQUIRE(bn.num_batches_tracked.item<int64_t>() == 3);
}

TEST_CASE("BatchNorm1d matches PyTorch: [N, C, L], momentum None (cumulative), no affine", "[norm]") {
  nn::BatchNorm1d bn(2, 1e-5, std::nullopt, false);
  REQUIRE(bn.repr() == "BatchNorm1d(2, eps=1e-05, momentum=None, affine=False, track_running_stats=True)");
  REQUIRE(bn.parameters().empty());
  bn.to(kFloat64);
  for (int step = 0; step < 3; ++step) {
    const std::string s = std::to_string(step);
    require_close(bn(fixture("bn1d_x" + s)), fixture("bn1d_y" + s), 1e-10);
  }
  require_close(bn.running_mean, fixture("bn1d_rm"), 1e-12);
  require_close(bn.running_var, fixture("bn1d_rv"), 1e-12);
}

TEST_CASE("BatchNorm1d matches PyTorch: [N, C] in float32", "[norm]") {
  nn::BatchNorm1d bn(4);
  REQUIRE(bn.repr() == "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  Tensor y = bn(fixture("bnf_x"));
  REQUIRE(y.dtype() == kFloat32);
  require_close(y, fixture("bnf_y"), 1e-5);
  require_close(bn.running_mean, fixture("bnf_rm"), 1e-6);
  require_close(bn.running_var, fixture("bnf_rv"), 1e-6);
}

TEST_CASE("BatchNorm: state dict names as PyTorch, no buffers without tracking", "[norm]") {
  nn::BatchNorm2d bn(5);
  std::vector<std::string> names;
  for (const auto& item : bn.state_dict()) names.push_back(item.first);
  REQUIRE(names == std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});

  // Without running statistics, evaluation normalises with the batch's own.
  nn::BatchNorm2d plain(2, 1e-5, 0.1, true, false);
  REQUIRE(plain.buffers().empty());
  plain.eval();
  Tensor x = fixture("bn2d_x1").narrow(1, 0, 2).astype(kFloat32);
  Tensor y = plain(x);
  require_close(mean(y, {0, 2, 3}), zeros({2}), 1e-6);

  // reset_running_stats() puts back the initial values.
  nn::BatchNorm1d bn1(3);
  bn1(fixture("bnf_x").narrow(1, 0, 3));
  bn1.reset_running_stats();
  REQUIRE(testing::values(bn1.running_mean) == std::vector<double>(3, 0.0));
  REQUIRE(testing::values(bn1.running_var) == std::vector<double>(3, 1.0));
  REQUIRE(bn1.num_batches_tracked.item<int64_t>() == 0);
}

TEST_CASE("gradcheck: batch_norm", "[gradcheck][norm]") {
  Tensor x = leaf({4, 3, 2});
  Tensor w = leaf({3}, 2), b = leaf({3}, 3);
  SECTION("training: through the batch statistics") {
    auto fn = [](const std::vector<Tensor>& in) {
      return F::batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], /*training=*/true);
    };
    REQUIRE(autograd::gradcheck(fn, {x, w, b}));
    REQUIRE(autograd::gradgradcheck(fn, {x, w, b}));
  }
  SECTION("evaluation: running statistics are constants") {
    Tensor rm = tensor({0.5, -1.0, 0.2}, kFloat64), rv = tensor({1.5, 0.7, 2.0}, kFloat64);
    auto fn = [rm, rv](const std::vector<Tensor>& in) { return F::batch_norm(in[0], rm, rv, in[1], in[2], false); };
    REQUIRE(autograd::gradcheck(fn, {x, w, b}));
    REQUIRE(autograd::gradgradcheck(fn, {x, w, b}));
  }
}

TEST_CASE("batch_norm: misuse is an error", "[norm]") {
  nn::BatchNorm2d bn(3);
  REQUIRE_THROWS_WITH(bn(zeros({2, 4, 5, 5})), Catch::Contains("BatchNorm2d.forward") &&
                                                   Catch::Contains("expected 3 channels") &&
                                                   Catch::Contains("(2, 4, 5, 5)"));
  REQUIRE_THROWS_WITH(bn(zeros({2, 3, 5})), Catch::Contains("4-D"));
  nn::BatchNorm1d bn1(3);
  REQUIRE_THROWS_WITH(bn1(zeros({1, 3})), Catch::Contains("more than 1 value per channel"));
  REQUIRE_THROWS_AS(bn1(zeros({4, 3, 2, 2})), Error);
  REQUIRE_THROWS_WITH(F::batch_norm(zeros({4, 3}), zeros({4}), ones({4})),
                      Catch::Contains("batch_norm") && Catch::Contains("running_mean has shape (4,), expected (3,)"));
  REQUIRE_THROWS_WITH(F::batch_norm(zeros({4, 3}), Tensor(), Tensor()), Catch::Contains("evaluation mode"));
  REQUIRE_THROWS_AS(F::batch_norm(zeros({4}), Tensor(), Tensor(), Tensor(), Tensor(), true), Error);
}
