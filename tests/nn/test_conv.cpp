// Convolutions against PyTorch 1.13 (tests/data/make_conv_fixtures.py),
// their gradient checks, the Conv modules and a LeNet-sized smoke test.
#include <catch2/catch.hpp>

#include "conv_fixtures.h"

using namespace nabla;
namespace F = nabla::nn::functional;
using nn::Int2;
using testing::check_against_torch;
using testing::fixture;
using testing::leaf;
using testing::max_abs_diff;

// ---- values and gradients against PyTorch ----------------------------------------------

TEST_CASE("conv2d matches PyTorch (values, dx, dw, db)", "[conv]") {
  check_against_torch("conv", "conv2d_basic", [](auto x, auto w, auto b) { return F::conv2d(x, w, b); });
  check_against_torch("conv", "conv2d_s2p1", [](auto x, auto w, auto b) { return F::conv2d(x, w, b, 2, 1); });
  check_against_torch("conv", "conv2d_d2", [](auto x, auto w, auto b) { return F::conv2d(x, w, b, 1, {2, 1}, 2); });
  check_against_torch("conv", "conv2d_g3", [](auto x, auto w, auto b) { return F::conv2d(x, w, b, {1, 2}, 0, 1, 3); });
  check_against_torch("conv", "conv2d_rect", [](auto x, auto w, auto b) {
    return F::conv2d(x, w, b, {2, 1}, {0, 2}, {1, 2});
  });
  check_against_torch("conv", "conv2d_1x1", [](auto x, auto w, auto b) { return F::conv2d(x, w, b); });
}

TEST_CASE("conv2d in float32 matches PyTorch to float precision", "[conv]") {
  Tensor x = fixture("conv", "conv2d_s2p1_x").astype(kFloat32), w = fixture("conv", "conv2d_s2p1_w").astype(kFloat32),
         b = fixture("conv", "conv2d_s2p1_b").astype(kFloat32);
  for (Tensor* t : {&x, &w, &b}) t->requires_grad_();
  Tensor y = F::conv2d(x, w, b, 2, 1);
  REQUIRE(y.dtype() == kFloat32);
  CHECK(max_abs_diff(y, fixture("conv", "conv2d_s2p1_y")) < 1e-5);
  (y * fixture("conv", "conv2d_s2p1_dy").astype(kFloat32)).sum().backward();
  CHECK(max_abs_diff(x.grad(), fixture("conv", "conv2d_s2p1_dx")) < 1e-5);
  CHECK(max_abs_diff(w.grad(), fixture("conv", "conv2d_s2p1_dw")) < 1e-4);
  CHECK(max_abs_diff(b.grad(), fixture("conv", "conv2d_s2p1_db")) < 1e-4);
}

// float32 at stride 1 runs the "wide" kernels on AVX2 machines (kernels/cpu/conv.cpp:
// im2col rows read in place as image slices); float64 runs im2col + GEMM. The
// two must agree, forward and both gradients, over padding, dilation, groups,
// 1-channel inputs and batches that split over threads (LeNet's two convs).
TEST_CASE("conv2d in float32 at stride 1 agrees with float64 (values, dx, dw, db)", "[conv]") {
  struct Case {
    Shape x, w;
    Int2 padding, dilation;
    int64_t groups;
  };
  const Case cases[] = {
      {{64, 1, 28, 28}, {6, 1, 5, 5}, 2, 1, 1},         {{64, 6, 14, 14}, {16, 6, 5, 5}, 0, 1, 1},
      {{3, 4, 9, 11}, {6, 2, 3, 2}, {1, 0}, {2, 1}, 2}, {{2, 3, 7, 8}, {5, 3, 3, 3}, {1, 2}, {1, 2}, 1},
      {{1, 2, 5, 5}, {3, 2, 1, 3}, {0, 1}, 1, 1},       {{5, 8, 6, 6}, {8, 2, 3, 3}, 1, 1, 4}};
  manual_seed(7);
  for (const Case& c : cases) {
    INFO("x " << shape_str(c.x) << ", w " << shape_str(c.w));
    Tensor x64 = randn(c.x).astype(kFloat64), w64 = randn(c.w).astype(kFloat64), b64 = randn({c.w[0]}).astype(kFloat64);
    Tensor x32 = x64.astype(kFloat32), w32 = w64.astype(kFloat32), b32 = b64.astype(kFloat32);
    for (Tensor* t : {&x64, &w64, &b64, &x32, &w32, &b32}) t->requires_grad_();
    Tensor y64 = F::conv2d(x64, w64, b64, 1, c.padding, c.dilation, c.groups);
    Tensor y32 = F::conv2d(x32, w32, b32, 1, c.padding, c.dilation, c.groups);
    Tensor dy = randn(y64.shape()).astype(kFloat64);
    (y64 * dy).sum().backward();
    (y32 * dy.astype(kFloat32)).sum().backward();
    // Relative to the size of what is summed: float32 rounding of up to ~25k-term sums.
    auto close = [](const Tensor& a, const Tensor& ref) {
      return max_abs_diff(a, ref) <= 1e-5 * (1.0 + max(abs(ref)).item());
    };
    CHECK(close(y32, y64));
    CHECK(close(x32.grad(), x64.grad()));
    CHECK(close(w32.grad(), w64.grad()));
    CHECK(close(b32.grad(), b64.grad()));
    // conv_transpose2d at stride 1 runs the same kernels (forward: the slices' adjoint).
    Tensor t64 = F::conv_transpose2d(y64.detach(), w64.detach(), Tensor(), 1, c.padding, 0, c.groups, c.dilation);
    Tensor t32 = F::conv_transpose2d(y32.detach(), w32.detach(), Tensor(), 1, c.padding, 0, c.groups, c.dilation);
    CHECK(close(t32, t64));
  }
}

TEST_CASE("conv1d matches PyTorch", "[conv]") {
  check_against_torch("conv", "conv1d_s2p1d2", [](auto x, auto w, auto b) { return F::conv1d(x, w, b, 2, 1, 2); });
  check_against_torch("conv", "conv1d_g3", [](auto x, auto w, auto b) { return F::conv1d(x, w, b, 1, 2, 1, 3); });
}

TEST_CASE("conv_transpose2d matches PyTorch", "[conv]") {
  check_against_torch("conv", "convT_s2p1op1",
                      [](auto x, auto w, auto b) { return F::conv_transpose2d(x, w, b, 2, 1, 1); });
  check_against_torch("conv", "convT_g3d2", [](auto x, auto w, auto b) {
    return F::conv_transpose2d(x, w, b, {2, 3}, 0, {1, 0}, 3, 2);
  });
  // output_padding 1 >= stride 1: allowed because it is < dilation 2.
  check_against_torch("conv", "convT_opdil",
                      [](auto x, auto w, auto b) { return F::conv_transpose2d(x, w, b, 1, 1, 1, 1, 2); });
  check_against_torch("conv", "convT_1x1_op",
                      [](auto x, auto w, auto b) { return F::conv_transpose2d(x, w, b, 1, 0, 1, 1, 2); });
}

TEST_CASE("conv2d_weight is PyTorch's weight gradient", "[conv]") {
  Tensor x = fixture("conv", "conv2d_g3_x"), dy = fixture("conv", "conv2d_g3_dy");
  Tensor dw = F::conv2d_weight(x, {6, 1, 2, 3}, dy, {1, 2}, 0, 1, 3);
  CHECK(max_abs_diff(dw, fixture("conv", "conv2d_g3_dw")) < 1e-10);
  Tensor x2 = fixture("conv", "conv2d_rect_x"), dy2 = fixture("conv", "conv2d_rect_dy");
  CHECK(max_abs_diff(F::conv2d_weight(x2, {4, 3, 2, 3}, dy2, {2, 1}, {0, 2}, {1, 2}),
                     fixture("conv", "conv2d_rect_dw")) < 1e-10);
}

TEST_CASE("conv2d and conv1d accept unbatched inputs", "[conv]") {
  Tensor x = leaf({3, 7, 6}), w = leaf({4, 3, 3, 3}, 2), b = leaf({4}, 3);
  Tensor y = F::conv2d(x, w, b, 2, 1);
  REQUIRE(y.shape() == Shape{4, 4, 3});
  CHECK(max_abs_diff(y, F::conv2d(x.unsqueeze(0), w, b, 2, 1).squeeze(0)) == 0);
  Tensor x1 = leaf({3, 9}), w1 = leaf({4, 3, 3}, 2);
  CHECK(F::conv1d(x1, w1).shape() == Shape{4, 7});
  CHECK(F::conv_transpose2d(leaf({4, 3, 3}), leaf({4, 2, 3, 3}, 2), {}, 2).shape() == Shape{2, 7, 7});
}

TEST_CASE("conv2d reads non-contiguous inputs", "[conv]") {
  Tensor x = leaf({2, 3, 6, 7}).transpose(2, 3);  // [2, 3, 7, 6], strided
  Tensor w = leaf({4, 3, 3, 3}, 2);
  REQUIRE(!x.is_contiguous());
  CHECK(max_abs_diff(F::conv2d(x, w, {}, 1, 1), F::conv2d(x.contiguous(), w, {}, 1, 1)) == 0);
}

TEST_CASE("conv kernels split over threads give the per-image results", "[conv]") {
  // Big enough per image for the batch to be spread over threads (and the
  // weight gradient summed from per-thread partials): compare with one
  // image at a time, which runs serially.
  Tensor x = leaf({4, 3, 20, 20}), w = leaf({8, 3, 5, 5}, 2), dy = leaf({4, 8, 10, 10}, 3);
  Tensor y = F::conv2d(x, w, {}, 2, 2);
  Tensor dx = F::conv_transpose2d(dy, w, {}, 2, 2, 1);
  Tensor dw = F::conv2d_weight(x, w.shape(), dy, 2, 2);
  Tensor dw_sum = zeros_like(dw);
  for (int64_t n = 0; n < 4; ++n) {
    Tensor xn = x.narrow(0, n, 1), dyn = dy.narrow(0, n, 1);
    CHECK(max_abs_diff(y.narrow(0, n, 1), F::conv2d(xn, w, {}, 2, 2)) < 1e-12);
    CHECK(max_abs_diff(dx.narrow(0, n, 1), F::conv_transpose2d(dyn, w, {}, 2, 2, 1)) < 1e-12);
    dw_sum = dw_sum + F::conv2d_weight(xn, w.shape(), dyn, 2, 2);
  }
  CHECK(max_abs_diff(dw, dw_sum) < 1e-10);
}

// ---- finite-difference checks (float64, first and second order) ---------------------------

TEST_CASE("gradcheck: conv2d", "[conv][gradcheck]") {
  auto x = leaf({2, 2, 5, 4}), w = leaf({3, 2, 3, 2}, 2), b = leaf({3}, 3);
  REQUIRE(testing::check2([b](auto x_, auto w_) { return F::conv2d(x_, w_, b, {2, 1}, 1, {1, 2}); }, x, w));
  auto fn = [](const std::vector<Tensor>& in) { return F::conv2d(in[0], in[1], in[2], 1, {0, 1}); };
  REQUIRE(autograd::gradcheck(fn, {x, w, b}));
  REQUIRE(autograd::gradgradcheck(fn, {x, w, b}));
  // groups = 2
  auto wg = leaf({4, 1, 2, 2}, 4);
  REQUIRE(testing::check2([](auto x_, auto w_) { return F::conv2d(x_, w_, {}, 1, 1, 1, 2); }, x, wg));
}

TEST_CASE("gradcheck: conv1d", "[conv][gradcheck]") {
  auto x = leaf({2, 2, 7}), w = leaf({2, 1, 3}, 2), b = leaf({2}, 3);
  auto fn = [](const std::vector<Tensor>& in) { return F::conv1d(in[0], in[1], in[2], 2, 1, 2, 2); };
  REQUIRE(autograd::gradcheck(fn, {x, w, b}));
  REQUIRE(autograd::gradgradcheck(fn, {x, w, b}));
}

TEST_CASE("gradcheck: conv_transpose2d", "[conv][gradcheck]") {
  auto x = leaf({2, 2, 3, 3}), w = leaf({2, 3, 3, 2}, 2), b = leaf({3}, 3);
  auto fn = [](const std::vector<Tensor>& in) { return F::conv_transpose2d(in[0], in[1], in[2], 2, 1, {1, 0}); };
  REQUIRE(autograd::gradcheck(fn, {x, w, b}));
  REQUIRE(autograd::gradgradcheck(fn, {x, w, b}));
  auto wg = leaf({2, 1, 2, 2}, 4);  // groups 2, dilation 2
  REQUIRE(testing::check2([](auto x_, auto w_) { return F::conv_transpose2d(x_, w_, {}, 1, 0, 1, 2, 2); }, x, wg));
}

TEST_CASE("gradcheck: conv2d_weight", "[conv][gradcheck]") {
  // y = conv2d(x [2, 2, 5, 4], w [3, 2, 2, 3], stride (2, 1), padding 1) is [2, 3, 3, 4].
  auto x = leaf({2, 2, 5, 4}), dy = leaf({2, 3, 3, 4}, 2);
  REQUIRE(testing::check2([](auto x_, auto dy_) { return F::conv2d_weight(x_, {3, 2, 2, 3}, dy_, {2, 1}, 1); }, x, dy));
}

TEST_CASE("conv2d double backward: a gradient penalty trains through dx", "[conv]") {
  // L = |d(sum(conv2d(x, w)^2))/dx|^2 depends on w only through the first
  // gradient: its gradient in w needs conv_transpose2d's backward.
  Tensor x = leaf({1, 2, 5, 5}), w = leaf({3, 2, 3, 3}, 2);
  auto penalty = [](const std::vector<Tensor>& in) {
    EnableGradGuard guard;  // the first gradient is needed even when gradcheck evaluates without grad
    Tensor y = F::conv2d(in[0], in[1], {}, 1, 1);
    Tensor dx = autograd::grad({(y * y).sum()}, {in[0]}, {}, true, true)[0];
    return (dx * dx).sum();
  };
  REQUIRE(autograd::gradcheck(penalty, {x, w}));
}

// ---- errors -------------------------------------------------------------------------------

TEST_CASE("conv errors name the op, the shapes and what was expected", "[conv]") {
  Tensor x = zeros({2, 3, 7, 6}), w = zeros({4, 3, 3, 3});
  using Catch::Matchers::Contains;
  REQUIRE_THROWS_WITH(F::conv2d(zeros({3, 7}), w), Contains("conv2d") && Contains("4-D input"));
  REQUIRE_THROWS_WITH(F::conv2d(zeros({2, 4, 7, 6}), w),
                      Contains("expects 3 input channels") && Contains("(2, 4, 7, 6)"));
  REQUIRE_THROWS_WITH(F::conv2d(zeros({2, 3, 2, 6}), w), Contains("larger than the padded input"));
  CHECK_NOTHROW(F::conv2d(zeros({2, 3, 2, 6}), w, {}, 1, 1));  // padding makes room
  REQUIRE_THROWS_WITH(F::conv2d(x, zeros({4, 1, 3, 3}), {}, 1, 0, 1, 3), Contains("divisible by groups=3"));
  REQUIRE_THROWS_WITH(F::conv2d(x, w, zeros({5})), Contains("bias of shape (5,)"));
  REQUIRE_THROWS_WITH(F::conv2d(x, zeros({4, 3, 3, 3}, kFloat64)), Contains("one floating dtype"));
  REQUIRE_THROWS_WITH(F::conv2d(x, w, {}, 0), Contains("stride"));
  REQUIRE_THROWS_WITH(F::conv1d(zeros({2, 3, 2}), zeros({4, 3, 3})), Contains("conv1d"));
  REQUIRE_THROWS_WITH(F::conv_transpose2d(x, zeros({3, 2, 3, 3}), {}, 1, 0, 1),
                      Contains("output_padding (1, 1) must be smaller than either stride"));
  REQUIRE_THROWS_WITH(F::conv_transpose2d(x, zeros({4, 2, 3, 3})), Contains("expects 4 input channels"));
  REQUIRE_THROWS_WITH(F::conv2d_weight(x, {4, 3, 3, 3}, zeros({2, 4, 5, 5})), Contains("does not match"));
  REQUIRE_THROWS_AS(F::conv2d(zeros({2, 3, 7, 6}, kInt64), zeros({4, 3, 3, 3}, kInt64)), nabla::Error);
}

// ---- modules --------------------------------------------------------------------------------

TEST_CASE("Conv2d: parameters, PyTorch init bounds, repr", "[conv]") {
  nn::Conv2d conv(3, 6, 5, 1, 2);
  auto params = conv.named_parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "weight");
  CHECK(params[1].first == "bias");
  CHECK(conv.weight.shape() == Shape{6, 3, 5, 5});
  CHECK(conv.bias.shape() == Shape{6});
  CHECK(conv.weight.requires_grad());
  // U(-1/√fan_in, 1/√fan_in), fan_in = 3·5·5, for both.
  const double bound = 1.0 / std::sqrt(75.0);
  for (const Tensor& p : {conv.weight, conv.bias}) {
    auto v = testing::values(p);
    CHECK(*std::max_element(v.begin(), v.end()) <= bound);
    CHECK(*std::min_element(v.begin(), v.end()) >= -bound);
  }
  auto w = testing::values(conv.weight);  // 450 draws: spread over the range, not all zero
  CHECK(*std::max_element(w.begin(), w.end()) > bound / 2);
  CHECK(*std::min_element(w.begin(), w.end()) < -bound / 2);
  CHECK(conv.extra_repr() == "3, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2)");
  CHECK(conv.repr() == "Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))");
  nn::Conv2d grouped(6, 9, {3, 2}, 2, 0, {2, 1}, 3, false);
  CHECK(grouped.weight.shape() == Shape{9, 2, 3, 2});
  CHECK(!grouped.bias.defined());
  CHECK(grouped.named_parameters().size() == 1);
  CHECK(grouped.extra_repr() == "6, 9, kernel_size=(3, 2), stride=(2, 2), dilation=(2, 1), groups=3, bias=False");
  CHECK(conv(zeros({2, 3, 28, 28})).shape() == Shape{2, 6, 28, 28});
}

TEST_CASE("Conv1d and ConvTranspose2d: shapes and repr", "[conv]") {
  nn::Conv1d c1(4, 6, 3, 2, 1, 1, 2);
  CHECK(c1.weight.shape() == Shape{6, 2, 3});
  CHECK(c1.extra_repr() == "4, 6, kernel_size=(3,), stride=(2,), padding=(1,), groups=2");
  CHECK(c1(zeros({2, 4, 9})).shape() == Shape{2, 6, 5});
  nn::ConvTranspose2d ct(6, 3, 3, 2, 1, 1);
  CHECK(ct.weight.shape() == Shape{6, 3, 3, 3});
  CHECK(ct.bias.shape() == Shape{3});
  CHECK(ct.extra_repr() == "6, 3, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1)");
  CHECK(ct(zeros({2, 6, 4, 5})).shape() == Shape{2, 3, 8, 10});
  // fan_in of a transposed weight [C_in, C_out/groups, KH, KW] is C_out/groups·KH·KW, as PyTorch.
  auto v = testing::values(ct.weight);
  CHECK(*std::max_element(v.begin(), v.end()) <= 1.0 / std::sqrt(27.0));
}

TEST_CASE("Conv modules: errors name the module, the shape and the channels", "[conv]") {
  using Catch::Matchers::Contains;
  nn::Conv2d conv(3, 6, 5);
  REQUIRE_THROWS_WITH(conv(zeros({2, 4, 28, 28})),
                      Contains("Conv2d.forward") && Contains("[N, 3, H, W]") && Contains("(2, 4, 28, 28)"));
  REQUIRE_THROWS_WITH(conv(zeros({28, 28})), Contains("Conv2d.forward") && Contains("(28, 28)"));
  REQUIRE_THROWS_WITH(conv(zeros({1, 3, 4, 4})), Contains("larger than the padded input"));
  REQUIRE_THROWS_WITH(nn::Conv2d(4, 6, 3, 1, 0, 1, 3), Contains("Conv2d") && Contains("in_channels 4"));
  REQUIRE_THROWS_WITH(nn::Conv2d(3, 4, 3, 1, 0, 1, 3), Contains("out_channels 4"));
  REQUIRE_THROWS_WITH(nn::Conv1d(3, 4, 3)(zeros({2, 5, 9})), Contains("Conv1d.forward") && Contains("[N, 3, L]"));
  REQUIRE_THROWS_AS(nn::ConvTranspose2d(3, 4, 0), nabla::Error);
}

TEST_CASE("Conv2d -> MaxPool2d chain matches PyTorch", "[conv]") {
  nn::Conv2d conv(3, 4, 3, 1, 1);
  nn::MaxPool2d pool(2, 0, 0, 1, true);
  conv.to(kFloat64);
  {
    NoGradGuard guard;
    conv.weight.copy_(fixture("conv", "chain_w"));
    conv.bias.copy_(fixture("conv", "chain_b"));
  }
  Tensor x = fixture("conv", "chain_x").requires_grad_();
  Tensor y = pool(conv(x));
  CHECK(max_abs_diff(y, fixture("conv", "chain_y")) < 1e-10);
  (y * fixture("conv", "chain_dy")).sum().backward();
  CHECK(max_abs_diff(x.grad(), fixture("conv", "chain_dx")) < 1e-10);
  CHECK(max_abs_diff(conv.weight.grad(), fixture("conv", "chain_dw")) < 1e-10);
  CHECK(max_abs_diff(conv.bias.grad(), fixture("conv", "chain_db")) < 1e-10);
}

TEST_CASE("LeNet-5-sized forward and backward: shapes and gradients", "[conv]") {
  // [4, 1, 28, 28] -> conv 6@5x5 pad 2 -> pool 2 -> conv 16@5x5 -> pool 2 -> [4, 16, 5, 5]
  nn::Conv2d c1(1, 6, 5, 1, 2), c2(6, 16, 5);
  nn::MaxPool2d p1(2), p2(2);
  Generator gen(7);
  Tensor x = randn({4, 1, 28, 28}, gen);
  Tensor h1 = p1(relu(c1(x)));
  REQUIRE(h1.shape() == Shape{4, 6, 14, 14});
  Tensor h2 = p2(relu(c2(h1)));
  REQUIRE(h2.shape() == Shape{4, 16, 5, 5});
  Tensor loss = h2.flatten(1).sum(Shape{1}).pow(2.0).mean();
  loss.backward();
  for (const Tensor& p : {c1.weight, c1.bias, c2.weight, c2.bias}) {
    REQUIRE(p.grad().defined());
    CHECK(p.grad().shape() == p.shape());
    auto v = testing::values(p.grad());
    CHECK(std::any_of(v.begin(), v.end(), [](double g) { return g != 0; }));
    CHECK(std::all_of(v.begin(), v.end(), [](double g) { return std::isfinite(g); }));
  }
}
