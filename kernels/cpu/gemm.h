// gemm: the one matrix product every CPU kernel uses (matmul, conv).
//
//   C[m, n] = A[m, k] · B[k, n]        (C += A·B when accumulate)
//
// C is row-major with leading dimension ldc. A and B are row-major with
// leading dimension lda/ldb, or - with a_colmajor/b_colmajor - column-major,
// which is how a transposed view is passed without copying it.
//
// Eigen does the work. Portable builds (no -march=native) compile Eigen for
// the x86-64 baseline (SSE2), which runs its GEMM at about a third of what
// AVX2 + FMA reach; so the same Eigen code is also built for AVX2 + FMA and
// for AVX-512, each into its own small library (kernels/cpu/gemm_avx2.cpp,
// gemm_avx512.cpp), and the best one the CPU runs is picked at run time.
// On AVX-512 CPUs the small float products of small models (up to a few
// million multiply-adds) skip Eigen: kernels/cpu/gemm_small.h computes them
// without packing, 1.1-2.6x faster there, and where A has many zeros (the
// gradient of a ReLU layer in dW = dzᵀ·x) it skips them, with the same
// result. Products small enough that packing costs more than it saves go
// through a plain loop-product instead.
//
// Large products (gemm.cpp says how large) are split into column or row
// panels across the OpenMP threads - nabla's threads, not Eigen's - and, when
// CMake found the system OpenBLAS and OpenBLAS has fast kernels for this CPU,
// each panel goes to OpenBLAS, which beats Eigen there; small products stay
// on one thread with Eigen, which beats OpenBLAS there.
#pragma once
#include <cstdint>

namespace nabla::kernels::cpu {

// An SGD step (with momentum) that gemm_sgd() makes with each tile of C, in
// place of storing it: C is the gradient, c points into the parameter (the
// same shape and leading dimension) and the momentum buffer lies
// momentum_offset elements from it. The fields are SgdHyper's, rounded to
// float as optim.cpp's sgd_loop rounds them.
struct GemmSgd {
  int64_t momentum_offset;
  float lr, sign, weight_decay, momentum, one_minus_dampening;
  bool nesterov;
  // Plain momentum SGD: no decay, dampening or nesterov, and not maximizing,
  // so sign * g and (1 - dampening) * d are products by 1, exact, which the
  // step can leave out and still give the same bits.
  bool plain() const { return sign == 1.0f && weight_decay == 0.0f && one_minus_dampening == 1.0f && !nesterov; }
};

template <class T>
struct GemmArgs {
  int64_t m, n, k;
  const T* a;
  int64_t lda;
  bool a_colmajor;
  const T* b;
  int64_t ldb;
  bool b_colmajor;
  T* c;
  int64_t ldc;
  bool accumulate;
  const GemmSgd* sgd = nullptr;  // gemm_sgd() only: the step that takes C
};

void gemm(const GemmArgs<float>& args);
// The SGD step of GemmSgd with the gradient A·B, which is never stored: each
// tile of it updates the parameter and momentum rows it covers while it is
// still in registers (the weight gradient of a linear layer, dW = dzᵀ·x, and
// the optimizer's pass over dW in one). The same bits as gemm() into a
// buffer and then sgd_step() (unless a partial sum of the gradient is
// subnormal: both passes run with subnormals flushed). Returns false, having
// done nothing, where the zero-skipping broadcast kernels of gemm_small.h do
// not take the product in one block of k (not AVX-512, B column-major,
// k > 64, C beyond their size) or args.accumulate is set.
bool gemm_sgd(const GemmArgs<float>& args, const GemmSgd& sgd);
void gemm(const GemmArgs<double>& args);
void gemm(const GemmArgs<int64_t>& args);

// Which Eigen build gemm() uses for float/double: "avx512", "avx2+fma" or
// "baseline".
const char* gemm_isa();
// Which implementation takes the large float/double products: "openblas",
// or the same as gemm_isa().
const char* gemm_large();

}  // namespace nabla::kernels::cpu
