// Batched GEMM through Eigen. A transposed operand (inner stride != 1 but
// outer stride 1) is mapped as column-major instead of being copied, so the
// backward products dA = dY Bᵀ and dB = Aᵀ dY cost no transposes.
#include <Eigen/Core>

#include "cpu_kernels.h"
#include "parallel.h"

namespace nabla::kernels::cpu {
namespace {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ColMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using OStride = Eigen::OuterStride<>;

// Calls f(map) with `v`'s b-th [rows, cols] matrix mapped row- or column-major.
template <class T, class F>
void with_matrix(const View& v, int64_t b, F f) {
  const T* base = static_cast<const T*>(v.data) + b * v.strides[0];
  const int64_t rows = v.shape[1], cols = v.shape[2];
  const int64_t rs = v.strides[1], cs = v.strides[2];
  if (cs == 1 || cols == 1) {
    f(Eigen::Map<const RowMat<T>, 0, OStride>(base, rows, cols, OStride(rows == 1 ? cols : rs)));
  } else if (rs == 1 || rows == 1) {
    f(Eigen::Map<const ColMat<T>, 0, OStride>(base, rows, cols, OStride(cols == 1 ? rows : cs)));
  } else {  // neither layout: fall back to a strided map (slow but correct)
    using S = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
    f(Eigen::Map<const RowMat<T>, 0, S>(base, rows, cols, S(rs, cs)));
  }
}

template <class T>
void matmul_typed(const View& out, const View& a, const View& b) {
  const int64_t batch = out.shape[0], m = out.shape[1], n = out.shape[2], k = a.shape[2];
  auto one = [&](int64_t i) {
    Eigen::Map<RowMat<T>> c(static_cast<T*>(out.data) + i * m * n, m, n);
    if (k == 0) {
      c.setZero();
      return;
    }
    with_matrix<T>(a, i, [&](const auto& ma) {
      with_matrix<T>(b, i, [&](const auto& mb) {
        // For tiny products Eigen's lazy (coefficient-wise) product skips the
        // blocking/packing machinery of the GEMM path, which dominates there.
        if (m * n * k <= 4096)
          c.noalias() = ma.lazyProduct(mb);
        else
          c.noalias() = ma * mb;
      });
    });
  };
  if (batch == 1) {
    one(0);
  } else {
    // Parallel over batches only when each is big enough to be worth it;
    // a single big GEMM is threaded by Eigen itself.
    parallel_for(
        batch,
        [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) one(i);
        },
        std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, m * n * k)));
  }
}

}  // namespace

void matmul(const View& out, const View& a, const View& b) {
  switch (out.dtype) {
    case DType::Float32:
      matmul_typed<float>(out, a, b);
      return;
    case DType::Float64:
      matmul_typed<double>(out, a, b);
      return;
    case DType::Int64:
      matmul_typed<int64_t>(out, a, b);
      return;
    case DType::Bool:
      NABLA_CHECK(false, "matmul", "not defined for bool tensors");
  }
}

}  // namespace nabla::kernels::cpu
