// The Eigen body of gemm() (gemm.h), a template compiled twice: once in
// gemm.cpp for the baseline ISA and once in gemm_avx2.cpp for AVX2 + FMA.
// Internal: include only from those two files.
#pragma once
// gemm.cpp splits large products across nabla's threads itself: Eigen's own
// OpenMP split would also fork for small products, and nest inside ours.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include "gemm.h"

namespace nabla::kernels::cpu::detail {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ColMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using OStride = Eigen::OuterStride<>;

// Calls f(map) with a [rows, cols] operand mapped in its storage order.
template <class T, class F>
void with_operand(const T* p, int64_t rows, int64_t cols, int64_t ld, bool colmajor, F f) {
  if (colmajor)
    f(Eigen::Map<const ColMat<T>, 0, OStride>(p, rows, cols, OStride(ld)));
  else
    f(Eigen::Map<const RowMat<T>, 0, OStride>(p, rows, cols, OStride(ld)));
}

template <class T>
void gemm_eigen(const GemmArgs<T>& g) {
  Eigen::Map<RowMat<T>, 0, OStride> c(g.c, g.m, g.n, OStride(g.ldc));
  if (g.k == 0) {
    if (!g.accumulate) c.setZero();
    return;
  }
  // For tiny products Eigen's lazy (coefficient-wise) product skips the
  // blocking/packing machinery of the GEMM path, which dominates there.
  const bool tiny = g.m * g.n * g.k <= 4096;
  with_operand(g.a, g.m, g.k, g.lda, g.a_colmajor, [&](const auto& a) {
    with_operand(g.b, g.k, g.n, g.ldb, g.b_colmajor, [&](const auto& b) {
      if (tiny && g.accumulate)
        c.noalias() += a.lazyProduct(b);
      else if (tiny)
        c.noalias() = a.lazyProduct(b);
      else if (g.accumulate)
        c.noalias() += a * b;
      else
        c.noalias() = a * b;
    });
  });
}

}  // namespace nabla::kernels::cpu::detail
