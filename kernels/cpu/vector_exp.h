// exp and tanh over a float array, vectorised: y[i] = exp(x[i]) or tanh(x[i]).
//
// std::exp is a libm call, one element at a time, and Eigen's vectorised exp
// runs 4 lanes wide in the portable (SSE2) build the library is compiled for,
// with a scalar call for each element of a remainder. The softmax
// cross-entropy of the benchmark MLP (32 rows of 10 classes) spent more time
// in those than in its arithmetic. The exp and sigmoid ops on float tensors
// (elementwise.cpp) and so softmax, log_softmax and logsumexp run on it too. exp_into is plain arithmetic that the
// compiler vectorises, built for AVX-512, AVX2 and the baseline
// (simd_clones.h); with no a*b+c contracted into an FMA (CMakeLists.txt),
// every build computes the same bits.
//
// Accuracy: within 2 ulp of the exact exp over the float range (Cephes'
// polynomial on |r| <= ln2/2); exp(x) overflows to +inf above
// ln(FLT_MAX), is subnormal below about -87.3 and 0 below about -104;
// NaN stays NaN.
#pragma once
#include <cstdint>

namespace nabla::kernels::cpu {

void exp_into(float* y, const float* x, int64_t n);
// y[i] = tanh(x[i]), y may be x: 1 - 2 / (exp(2|x|) + 1) on exp_into's
// arithmetic, a polynomial for |x| < 0.625; within 1.5 ulp of the exact
// tanh, ±1 from |x| ≈ 9 on, tanh(±0) = ±0, NaN stays NaN.
void tanh_into(float* y, const float* x, int64_t n);

}  // namespace nabla::kernels::cpu
