// exp_into (kernels/cpu/vector_exp.h) against the exact exp (std::exp in
// double, rounded to float): every 4099th float bit pattern from -110 to 90,
// which covers the subnormal results, the overflow edge and both ends of each
// binade, plus the special values one by one.
#include <nabla/kernels/cpu/vector_exp.h>
#include <nabla/nabla.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "helpers.h"

using nabla::kernels::cpu::exp_into;
using nabla::kernels::cpu::tanh_into;

namespace {

// How many float ulps `got` is from `exact`, the ulp taken at the float
// nearest to exact (the subnormal spacing below FLT_MIN).
double ulps(float got, double exact) {
  const float nearest = static_cast<float>(exact);
  const double ulp = std::nextafter(nearest, std::numeric_limits<float>::infinity()) - static_cast<double>(nearest);
  return std::fabs(static_cast<double>(got) - exact) / ulp;
}

// Every 4099th float bit pattern that `keep` accepts: both signs, every
// binade, subnormals, and an odd count (the vector loops' remainder too).
template <class Keep>
std::vector<float> sample_floats(Keep keep) {
  std::vector<float> x;
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFull; bits += 4099) {
    const uint32_t u = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &u, sizeof f);
    if (keep(f)) x.push_back(f);
  }
  return x;
}

// The largest distance in ulps of y[i] from exact(x[i]), and where.
struct Worst {
  double ulps = 0;
  size_t at = 0;
};
template <class Exact>
Worst worst_ulps(const std::vector<float>& x, const std::vector<float>& y, Exact exact) {
  Worst w;
  for (size_t i = 0; i < x.size(); ++i) {
    const double u = ulps(y[i], exact(static_cast<double>(x[i])));
    if (u > w.ulps) w = {u, i};
  }
  return w;
}

}  // namespace

TEST_CASE("exp_into: within 1 ulp of the exact exp over the float range", "[kernels][exp]") {
  const std::vector<float> x = sample_floats([](float f) { return f >= -110.0f && f <= 88.72283f; });
  REQUIRE(x.size() > 100000);
  std::vector<float> y(x.size());
  exp_into(y.data(), x.data(), static_cast<int64_t>(x.size()));
  const Worst w = worst_ulps(x, y, [](double v) { return std::exp(v); });
  INFO("worst at x = " << x[w.at] << ": got " << y[w.at] << ", exact " << std::exp(static_cast<double>(x[w.at])));
  REQUIRE(w.ulps <= 1.0);
  // In place (y is x) gives the same.
  std::vector<float> z = x;
  exp_into(z.data(), z.data(), static_cast<int64_t>(z.size()));
  REQUIRE(std::memcmp(z.data(), y.data(), y.size() * sizeof(float)) == 0);
}

TEST_CASE("exp_into: special values and the ends of the range", "[kernels][exp]") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const float largest_finite_arg = 88.72283172607421875f;  // exp of the next float up overflows
  std::vector<float> x = {
      0.0f,   -0.0f,   1.0f,    -1.0f,   inf, -inf, nan, largest_finite_arg, std::nextafter(largest_finite_arg, inf),
      100.0f, -103.9f, -104.5f, -1000.0f};
  std::vector<float> y(x.size());
  exp_into(y.data(), x.data(), static_cast<int64_t>(x.size()));
  REQUIRE(y[0] == 1.0f);
  REQUIRE(y[1] == 1.0f);
  REQUIRE(ulps(y[2], std::exp(1.0)) <= 1.0);
  REQUIRE(ulps(y[3], std::exp(-1.0)) <= 1.0);
  REQUIRE(y[4] == inf);
  REQUIRE(y[5] == 0.0f);
  REQUIRE(std::isnan(y[6]));
  REQUIRE(std::isfinite(y[7]));
  REQUIRE(ulps(y[7], std::exp(static_cast<double>(largest_finite_arg))) <= 1.0);
  REQUIRE(y[8] == inf);
  REQUIRE(y[9] == inf);
  REQUIRE(y[10] ==
          std::numeric_limits<float>::denorm_min());  // exp(-103.9) = 7.6e-46: rounds up to the smallest subnormal
  REQUIRE(y[11] == 0.0f);
  REQUIRE(y[12] == 0.0f);
}

// The exp, sigmoid and tanh ops run float tensors through exp_into and
// tanh_into: the same bits
// whatever the size (tiny, vectorised, threaded) and layout (contiguous, a
// transposed view, a slice with a step), exp within 1 ulp and sigmoid within
// 3 ulp of the exact values. Double keeps std::exp.
TEST_CASE("exp, sigmoid and tanh ops: float through the vectorised exp, the same bits in every layout",
          "[kernels][exp]") {
  using namespace nabla;
  for (int64_t n : {1, 7, 9, 33, 1025, 40001}) {  // 40001 > kGrainSize: the threaded loop
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = -30.0f + 60.0f * static_cast<float>((i * 7919) % n) / n;
    const Tensor x = from_vector(v, {n});
    const Tensor e = exp(x), s = sigmoid(x), t = tanh(x);
    std::vector<float> expected(v.size());
    exp_into(expected.data(), v.data(), n);
    INFO("n = " << n);
    REQUIRE(std::memcmp(e.data<float>(), expected.data(), expected.size() * sizeof(float)) == 0);
    tanh_into(expected.data(), v.data(), n);
    REQUIRE(std::memcmp(t.data<float>(), expected.data(), expected.size() * sizeof(float)) == 0);
    for (int64_t i = 0; i < n; ++i) {
      const double xi = static_cast<double>(v[static_cast<size_t>(i)]);
      REQUIRE(ulps(s.data<float>()[i], 1.0 / (1.0 + std::exp(-xi))) <= 3.0);
    }
    // A column of a [n, 2] tensor is a strided view: the same bits.
    const Tensor wide = stack({x, x * 0.0}, 1);
    const Tensor column = wide.select(1, 0);
    REQUIRE((n == 1 || !column.is_contiguous()));
    REQUIRE(std::memcmp(exp(column).contiguous().data<float>(), e.data<float>(), expected.size() * sizeof(float)) == 0);
    REQUIRE(std::memcmp(sigmoid(column).contiguous().data<float>(), s.data<float>(), expected.size() * sizeof(float)) ==
            0);
    REQUIRE(std::memcmp(tanh(column).contiguous().data<float>(), t.data<float>(), expected.size() * sizeof(float)) ==
            0);
  }
  // A transposed matrix, against its contiguous copy.
  const Tensor m = randn({37, 29});
  REQUIRE(std::memcmp(exp(m.t()).contiguous().data<float>(), exp(m.t().contiguous()).data<float>(),
                      37 * 29 * sizeof(float)) == 0);
  // Sigmoid's ends: exp(-x) overflows to inf (0), underflows to 0 (1); NaN stays NaN.
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor ends = sigmoid(
      from_vector(std::vector<float>{-200.0f, 200.0f, -inf, inf, 0.0f, std::numeric_limits<float>::quiet_NaN()}, {6}));
  const float* p = ends.data<float>();
  REQUIRE(p[0] == 0.0f);
  REQUIRE(p[1] == 1.0f);
  REQUIRE(p[2] == 0.0f);
  REQUIRE(p[3] == 1.0f);
  REQUIRE(p[4] == 0.5f);
  REQUIRE(std::isnan(p[5]));
  // Double: unchanged, std::exp and std::tanh per element.
  const Tensor d = from_vector(std::vector<double>{-1.5, 0.25, 3.0}, {3});
  for (int64_t i = 0; i < 3; ++i) {
    REQUIRE(exp(d).data<double>()[i] == std::exp(d.data<double>()[i]));
    REQUIRE(tanh(d).data<double>()[i] == std::tanh(d.data<double>()[i]));
  }
}

TEST_CASE("tanh_into: within 1.5 ulp of the exact tanh over the float range", "[kernels][exp]") {
  const std::vector<float> x = sample_floats([](float f) { return std::isfinite(f); });  // and the switch at 0.625
  std::vector<float> y(x.size());
  tanh_into(y.data(), x.data(), static_cast<int64_t>(x.size()));
  const Worst w = worst_ulps(x, y, [](double v) { return std::tanh(v); });
  INFO("worst at x = " << x[w.at] << ": got " << y[w.at] << ", exact " << std::tanh(static_cast<double>(x[w.at])));
  REQUIRE(w.ulps <= 1.5);
}

TEST_CASE("tanh_into: special values", "[kernels][exp]") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {0.0f, -0.0f, inf, -inf, nan, 10.0f, -10.0f, 1e-30f, 0.625f, std::nextafter(0.625f, 0.0f)};
  std::vector<float> y(x.size());
  tanh_into(y.data(), x.data(), static_cast<int64_t>(x.size()));
  REQUIRE(y[0] == 0.0f);
  REQUIRE_FALSE(std::signbit(y[0]));
  REQUIRE(y[1] == 0.0f);
  REQUIRE(std::signbit(y[1]));  // tanh(-0) = -0
  REQUIRE(y[2] == 1.0f);
  REQUIRE(y[3] == -1.0f);
  REQUIRE(std::isnan(y[4]));
  REQUIRE(y[5] == 1.0f);
  REQUIRE(y[6] == -1.0f);
  REQUIRE(y[7] == 1e-30f);  // tanh(x) = x to float precision near 0
  // Either side of the switch between the two formulas: both close to exact.
  REQUIRE(ulps(y[8], std::tanh(0.625)) <= 1.5);
  REQUIRE(ulps(y[9], std::tanh(static_cast<double>(x[9]))) <= 1.5);
}
