// exp_into (kernels/cpu/vector_exp.h) against the exact exp (std::exp in
// double, rounded to float): every 4099th float bit pattern from -110 to 90,
// which covers the subnormal results, the overflow edge and both ends of each
// binade, plus the special values one by one.
#include <nabla/kernels/cpu/vector_exp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "helpers.h"

using nabla::kernels::cpu::exp_into;

namespace {

// How many float ulps `got` is from `exact`, the ulp taken at the float
// nearest to exact (the subnormal spacing below FLT_MIN).
double ulps(float got, double exact) {
  const float nearest = static_cast<float>(exact);
  const double ulp = std::nextafter(nearest, std::numeric_limits<float>::infinity()) - static_cast<double>(nearest);
  return std::fabs(static_cast<double>(got) - exact) / ulp;
}

}  // namespace

TEST_CASE("exp_into: within 1 ulp of the exact exp over the float range", "[kernels][exp]") {
  std::vector<float> x;
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFull; bits += 4099) {
    const uint32_t u = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &u, sizeof f);
    if (f >= -110.0f && f <= 88.72283f) x.push_back(f);
  }
  REQUIRE(x.size() > 100000);
  std::vector<float> y(x.size());
  exp_into(y.data(), x.data(), static_cast<int64_t>(x.size()));  // odd length: the vector loop's remainder too
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double u = ulps(y[i], std::exp(static_cast<double>(x[i])));
    if (u > worst) worst = u, at = i;
  }
  INFO("worst at x = " << x[at] << ": got " << y[at] << ", exact " << std::exp(static_cast<double>(x[at])));
  REQUIRE(worst <= 1.0);
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
