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
};

void gemm(const GemmArgs<float>& args);
void gemm(const GemmArgs<double>& args);
void gemm(const GemmArgs<int64_t>& args);

// Which Eigen build gemm() uses for float/double: "avx512", "avx2+fma" or
// "baseline".
const char* gemm_isa();
// Which implementation takes the large float/double products: "openblas",
// or the same as gemm_isa().
const char* gemm_large();

}  // namespace nabla::kernels::cpu
