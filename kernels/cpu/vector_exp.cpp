// exp_into and tanh_into (vector_exp.h). exp(x) = 2^n · exp(r), with n = round(x / ln2)
// and r = x - n·ln2 in [-ln2/2, ln2/2], where a degree-7 polynomial is
// accurate to float precision. Every step is an add, a multiply or an
// integer operation on the bits, so each loop iteration is the same
// instructions for every element: the compiler vectorises it, and no branch
// or libm call remains.
#include "vector_exp.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "simd_clones.h"

namespace nabla::kernels::cpu {
namespace {

// The largest float whose exp is finite (just below ln(FLT_MAX) = 88.72284),
// and a point below which exp is 0 in float (exp(-104) < 2^-150).
constexpr float kMaxArg = 88.72283172607421875f;  // 0x42B17217
constexpr float kMinArg = -104.0f;
// Adding 1.5·2^23 to a float |t| < 2^22 rounds it to an integer, which then
// sits in the low bits of the sum's mantissa: round-to-nearest without a
// rounding instruction (SSE2 has none) and without a float-to-int
// conversion of a possible NaN.
constexpr float kRoundMagic = 12582912.0f;        // 1.5·2^23
constexpr uint32_t kRoundMagicBits = 0x4B400000;  // its bits
// ln2 in two parts (Cody and Waite): n·kLn2Hi is exact for |n| <= 256, so
// x - n·ln2 loses nothing to cancellation.
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kLog2e = 1.44269504088896341f;

inline float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
inline uint32_t to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

[[gnu::always_inline]] inline float exp_one(float x) {
  // std::max(x, lo) and std::min(., hi) return x itself when it is NaN (the
  // comparison is false), so a NaN flows through the arithmetic below.
  const float xc = std::min(std::max(x, kMinArg), kMaxArg);
  const float shifted = xc * kLog2e + kRoundMagic;
  const float nf = shifted - kRoundMagic;  // n = round(x / ln2), in [-150, 128]
  const float r = (xc - nf * kLn2Hi) - nf * kLn2Lo;
  // exp(r) = 1 + r + r²·P(r) on |r| <= ln2/2 (Cephes expf).
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * (r * r) + r + 1.0f;
  // 2^n as two factors 2^n1 · 2^n2, each a normal float even for n = -150,
  // so that results below FLT_MIN round once, into the subnormals.
  const int32_t n = static_cast<int32_t>(to_bits(shifted) - kRoundMagicBits);
  const int32_t n1 = n / 2, n2 = n - n1;
  const float s1 = from_bits(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = from_bits(static_cast<uint32_t>(n2 + 127) << 23);
  const float y = er * s1 * s2;
  return x > kMaxArg ? std::numeric_limits<float>::infinity() : y;
}

}  // namespace

NABLA_SIMD_CLONES void exp_into(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = exp_one(x[i]);
}

// tanh is odd, so it is computed on a = |x| and given x's sign at the end
// (which also keeps tanh(-0) = -0). Near 0, 1 - 2 / (e^2a + 1) would lose
// the bits of a small result to cancellation, so below a = 0.625 a
// polynomial in a² takes over (Cephes tanhf): a + a³·P(a²).
NABLA_SIMD_CLONES void tanh_into(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    // e^2a overflows to inf above a = 44.4: then 2 / inf = 0 and tanh = 1.
    const float big = 1.0f - 2.0f / (exp_one(2.0f * a) + 1.0f);
    const float s = a * a;
    float p = -5.70498872745e-3f;
    p = p * s + 2.06390887954e-2f;
    p = p * s - 5.37397155531e-2f;
    p = p * s + 1.33314422036e-1f;
    p = p * s - 3.33332819422e-1f;
    const float small = a + a * s * p;
    // A NaN fails the comparison and flows through `big`.
    y[i] = std::copysign(a < 0.625f ? small : big, x[i]);
  }
}

}  // namespace nabla::kernels::cpu
