// Pooling against PyTorch 1.13 (tests/data/make_conv_fixtures.py), gradient
// checks, errors and the pooling modules.
#include <catch2/catch.hpp>
#include <limits>

#include "conv_fixtures.h"

using namespace nabla;
namespace F = nabla::nn::functional;
using nn::Int2;
using testing::fixture;
using testing::leaf;
using testing::max_abs_diff;

namespace {
template <class Fn>
void check_pool(const std::string& name, Fn f) {
  testing::check_against_torch("pool", name, [f](auto x, auto, auto) { return f(x); });
}
}  // namespace

// ---- values and gradients against PyTorch -----------------------------------------------

TEST_CASE("max_pool2d matches PyTorch (values and dx)", "[pool]") {
  check_pool("max_k3s2p1", [](auto x) { return F::max_pool2d(x, 3, 2, 1); });
  check_pool("max_k2_ceil", [](auto x) { return F::max_pool2d(x, 2, 0, 0, 1, true); });
  check_pool("max_k2d2p1", [](auto x) { return F::max_pool2d(x, 2, 1, 1, 2); });
  check_pool("max_rect_ceil", [](auto x) { return F::max_pool2d(x, {3, 2}, {2, 1}, {1, 0}, 1, true); });
}

TEST_CASE("max_pool2d_with_indices returns PyTorch's indices", "[pool]") {
  auto [y, indices] = F::max_pool2d_with_indices(fixture("pool", "indices_k3s2p1_x"), 3, 2, 1);
  REQUIRE(indices.dtype() == kInt64);
  CHECK(max_abs_diff(indices, fixture("pool", "indices_k3s2p1_indices")) == 0);
}

TEST_CASE("avg_pool2d matches PyTorch (padding, ceil_mode, count_include_pad)", "[pool]") {
  check_pool("avg_k3s2p1", [](auto x) { return F::avg_pool2d(x, 3, 2, 1); });
  check_pool("avg_k3s2p1_nopad", [](auto x) { return F::avg_pool2d(x, 3, 2, 1, false, false); });
  check_pool("avg_k2s2p1_ceil", [](auto x) { return F::avg_pool2d(x, 2, 2, 1, true); });
  check_pool("avg_k3s2p1_ceil_nopad", [](auto x) { return F::avg_pool2d(x, 3, 2, 1, true, false); });
  check_pool("avg_rect", [](auto x) { return F::avg_pool2d(x, {3, 2}, {1, 2}); });
}

TEST_CASE("adaptive_avg_pool2d matches PyTorch (7->3, 6->4, and upsampling 7->8, 6->9)", "[pool]") {
  check_pool("adaptive_3x4", [](auto x) { return F::adaptive_avg_pool2d(x, {3, 4}); });
  check_pool("adaptive_8x9", [](auto x) { return F::adaptive_avg_pool2d(x, {8, 9}); });
}

TEST_CASE("max_pool1d and avg_pool1d match PyTorch", "[pool]") {
  check_pool("max1d_k3s2p1", [](auto x) { return F::max_pool1d(x, 3, 2, 1); });
  check_pool("max1d_k2_ceil", [](auto x) { return F::max_pool1d(x, 2, 0, 0, 1, true); });
  check_pool("avg1d_k3s2p1_ceil_nopad", [](auto x) { return F::avg_pool1d(x, 3, 2, 1, true, false); });
}

TEST_CASE("pooling in float32 matches PyTorch to float precision", "[pool]") {
  Tensor x = fixture("pool", "avg_k3s2p1_nopad_x").astype(kFloat32).requires_grad_();
  Tensor y = F::avg_pool2d(x, 3, 2, 1, false, false);
  CHECK(y.dtype() == kFloat32);
  CHECK(max_abs_diff(y, fixture("pool", "avg_k3s2p1_nopad_y")) < 1e-6);
  (y * fixture("pool", "avg_k3s2p1_nopad_dy").astype(kFloat32)).sum().backward();
  CHECK(max_abs_diff(x.grad(), fixture("pool", "avg_k3s2p1_nopad_dx")) < 1e-6);
  Tensor xm = fixture("pool", "max_k3s2p1_x").astype(kFloat32);
  CHECK(max_abs_diff(F::max_pool2d(xm, 3, 2, 1), fixture("pool", "max_k3s2p1_y")) < 1e-6);
}

TEST_CASE("max_pool2d: NaN wins, ties keep the first, unbatched input", "[pool]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = tensor({{1, nan, 3, 4}, {5, 6, 7, 8}}, kFloat64).reshape({1, 1, 2, 4});
  auto v = testing::values(F::max_pool2d(x, 2));
  CHECK(std::isnan(v[0]));
  CHECK(v[1] == 8);
  // Two NaNs: each NaN wins over what came before, so PyTorch keeps the last (index 2).
  Tensor two_nans = tensor({nan, 1, nan, 2}, kFloat64).reshape({1, 1, 2, 2});
  CHECK(testing::values(F::max_pool2d_with_indices(two_nans, 2).second)[0] == 2);
  auto [y, indices] = F::max_pool2d_with_indices(ones({1, 2, 2}), 2);  // unbatched, all ties
  CHECK(y.shape() == Shape{1, 1, 1});
  CHECK(testing::values(indices)[0] == 0);
}

// The 2x2 stride-2 float path works on four windows at a time (SSE2) with
// a branch-free comparison tree; it must keep PyTorch's rule exactly: a
// larger value wins, ties keep the first tap, every NaN wins (the last NaN
// is kept). Small integers make ties common; a few NaNs are sprinkled in.
TEST_CASE("max_pool2d 2x2 in float32: ties and NaNs as PyTorch's sequential rule", "[pool]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const Shape& shape : {Shape{2, 3, 12, 18}, Shape{1, 2, 10, 10}, Shape{1, 1, 4, 9}}) {
    INFO("x " << shape_str(shape));
    manual_seed(3);
    std::vector<double> v = testing::values(randint(0, 3, shape).astype(kFloat64));
    for (size_t i = 5; i < v.size(); i += 37) v[i] = nan;
    if (v.size() > 9) v[8] = v[9] = nan;  // two NaNs in one window (1, 1, 4, 9): the window at ow 4
    Tensor x = from_vector(v, shape).astype(kFloat32);
    auto [y, indices] = F::max_pool2d_with_indices(x, 2);
    const int64_t H = shape[2], W = shape[3], OH = H / 2, OW = W / 2;
    std::vector<double> yv = testing::values(y.astype(kFloat64)), iv = testing::values(indices.astype(kFloat64));
    int64_t mismatches = 0;
    for (int64_t p = 0; p < shape[0] * shape[1]; ++p)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double best = -std::numeric_limits<double>::infinity();
          int64_t arg = 2 * oh * W + 2 * ow;
          for (int64_t a = 0; a < 2; ++a)
            for (int64_t b = 0; b < 2; ++b) {
              const int64_t i = (2 * oh + a) * W + 2 * ow + b;
              const double xv = v[static_cast<size_t>(p * H * W + i)];
              if (xv > best || std::isnan(xv)) best = xv, arg = i;
            }
          const size_t o = static_cast<size_t>((p * OH + oh) * OW + ow);
          const bool same_value = std::isnan(best) ? std::isnan(yv[o]) : yv[o] == best;
          mismatches += !same_value || iv[o] != static_cast<double>(arg);
        }
    CHECK(mismatches == 0);
  }
}

// ---- finite-difference checks ------------------------------------------------------------

TEST_CASE("gradcheck: max_pool2d", "[pool][gradcheck]") {
  // Random normal values: no ties within a window, so the max is smooth.
  REQUIRE(testing::check1([](auto x) { return F::max_pool2d(x, 3, 2, 1); }, leaf({2, 2, 5, 4})));
  REQUIRE(testing::check1(
      [](auto x) {
        return F::max_pool2d(x, {2, 3}, 1, {1, 0}, {2, 1}, true);
      },
      leaf({1, 2, 5, 6})));
}

TEST_CASE("gradcheck: max_pool2d_backward", "[pool][gradcheck]") {
  // max_pool2d_backward is max_pool2d's recorded gradient; gradgradcheck
  // differentiates it (in dy) through its own backward, a gather.
  auto f = [](const std::vector<Tensor>& in) { return F::max_pool2d(in[0], 2, 1, 1, 1, true); };
  REQUIRE(autograd::gradgradcheck(f, {leaf({1, 2, 4, 3})}));
}

TEST_CASE("max_pool2d: a window entirely in the padding gives -inf and no gradient", "[pool]") {
  // H = 1, kernel 2, padding 1, dilation 2: the taps at rows -1 and 1 both miss.
  Tensor x = leaf({1, 1, 1, 3});
  auto [y, indices] = F::max_pool2d_with_indices(x, {2, 1}, 1, {1, 0}, {2, 1});
  REQUIRE(y.shape() == Shape{1, 1, 1, 3});
  CHECK(std::isinf(testing::values(y)[0]));
  CHECK(testing::values(indices)[0] == -1);
  y.backward(ones_like(y));
  CHECK(testing::values(x.grad()) == std::vector<double>{0, 0, 0});
}

TEST_CASE("gradcheck: max_pool1d", "[pool][gradcheck]") {
  REQUIRE(testing::check1([](auto x) { return F::max_pool1d(x, 3, 2, 1, 1, true); }, leaf({2, 2, 8})));
}

TEST_CASE("gradcheck: avg_pool2d", "[pool][gradcheck]") {
  REQUIRE(testing::check1([](auto x) { return F::avg_pool2d(x, 3, 2, 1); }, leaf({2, 2, 5, 4})));
  REQUIRE(testing::check1(
      [](auto x) {
        return F::avg_pool2d(x, {2, 3}, {2, 1}, {1, 1}, true, false);
      },
      leaf({1, 2, 5, 6})));
}

TEST_CASE("gradcheck: avg_pool2d_backward", "[pool][gradcheck]") {
  // avg_pool2d_backward is the recorded gradient of the average pools; the
  // second-order check differentiates it (in dy) through its own backward.
  auto f = [](const std::vector<Tensor>& in) { return F::avg_pool2d(in[0], 2, 1, 1, true, false); };
  REQUIRE(autograd::gradgradcheck(f, {leaf({1, 2, 4, 3})}));
  auto g = [](const std::vector<Tensor>& in) { return F::adaptive_avg_pool2d(in[0], {2, 4}); };
  REQUIRE(autograd::gradgradcheck(g, {leaf({1, 2, 5, 3})}));
}

TEST_CASE("gradcheck: avg_pool1d", "[pool][gradcheck]") {
  REQUIRE(testing::check1([](auto x) { return F::avg_pool1d(x, 3, 2, 1, true, false); }, leaf({2, 2, 8})));
}

TEST_CASE("gradcheck: adaptive_avg_pool2d", "[pool][gradcheck]") {
  REQUIRE(testing::check1([](auto x) { return F::adaptive_avg_pool2d(x, {3, 2}); }, leaf({2, 2, 7, 5})));
}

// ---- errors ------------------------------------------------------------------------------

TEST_CASE("pool errors name the op, the shape and what was expected", "[pool]") {
  using Catch::Matchers::Contains;
  Tensor x = zeros({2, 3, 7, 6});
  REQUIRE_THROWS_WITH(F::max_pool2d(zeros({7, 6}), 2), Contains("max_pool2d") && Contains("(7, 6)"));
  REQUIRE_THROWS_WITH(F::max_pool2d(x, 3, 1, 2), Contains("padding 2 must be at most half the kernel size 3"));
  REQUIRE_THROWS_WITH(F::avg_pool2d(zeros({1, 1, 2, 2}), 3), Contains("avg_pool2d") && Contains("too small"));
  REQUIRE_THROWS_WITH(F::max_pool2d(zeros({2, 3, 7, 6}, kInt64), 2), Contains("floating"));
  REQUIRE_THROWS_WITH(F::adaptive_avg_pool2d(x, {0, 2}), Contains("output_size must be positive"));
  REQUIRE_THROWS_WITH(F::max_pool1d(zeros({2, 3, 7, 6}), 2), Contains("max_pool1d") && Contains("[N, C, L]"));
  REQUIRE_THROWS_WITH(F::avg_pool1d(zeros({2, 3, 2}), 3), Contains("avg_pool1d") && Contains("(2, 3, 2)"));
  REQUIRE_THROWS_AS(F::max_pool2d(x, 0), nabla::Error);
}

// ---- modules -----------------------------------------------------------------------------

TEST_CASE("MaxPool2d, AvgPool2d, AdaptiveAvgPool2d: forward and repr", "[pool]") {
  Tensor x = fixture("pool", "max_k3s2p1_x");
  nn::MaxPool2d mp(3, 2, 1);
  CHECK(max_abs_diff(mp(x), fixture("pool", "max_k3s2p1_y")) < 1e-12);
  CHECK(mp.extra_repr() == "kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False");
  CHECK(mp.parameters().empty());
  nn::MaxPool2d mp2(2);  // stride defaults to the kernel size
  CHECK(mp2.repr() == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(mp2(x).shape() == Shape{2, 3, 3, 3});
  nn::MaxPool2d mp3({3, 2}, {2, 1}, {1, 0}, 1, true);
  CHECK(mp3.extra_repr() == "kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=1, ceil_mode=True");

  nn::AvgPool2d ap(3, 2, 1, false, false);
  CHECK(max_abs_diff(ap(fixture("pool", "avg_k3s2p1_nopad_x")), fixture("pool", "avg_k3s2p1_nopad_y")) < 1e-12);
  CHECK(ap.extra_repr() == "kernel_size=3, stride=2, padding=1");

  nn::AdaptiveAvgPool2d aap({3, 4});
  CHECK(max_abs_diff(aap(fixture("pool", "adaptive_3x4_x")), fixture("pool", "adaptive_3x4_y")) < 1e-12);
  CHECK(aap.repr() == "AdaptiveAvgPool2d(output_size=(3, 4))");
  CHECK(nn::AdaptiveAvgPool2d(1).extra_repr() == "output_size=1");
  CHECK(nn::AdaptiveAvgPool2d(1)(x).shape() == Shape{2, 3, 1, 1});
  REQUIRE_THROWS_WITH(mp(zeros({7, 6})), Catch::Matchers::Contains("MaxPool2d.forward"));
}
