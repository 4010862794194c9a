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

namespace {

Tensor fixture(const std::string& name) {
  return load_npy(std::string(NABLA_TEST_DATA_DIR) + "/nn/norm/" + name + ".npy");
}

// Same shape and every element within tol (absolute, plus tol relative).
void require_close(const Tensor& actual, const Tensor& expected, double tol) {
  REQUIRE(actual.defined());
  REQUIRE(shape_str(actual.shape()) == shape_str(expected.shape()));
  std::vector<double> a = testing::values(actual), e = testing::values(expected);
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - e[i]) / (1 + std::abs(e[i])));
  INFO("largest difference " << worst);
  REQUIRE(worst <= tol);
}

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
