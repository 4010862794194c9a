// The Eigen body of gemm() (gemm.h), a template compiled twice: once in
// gemm.cpp for the baseline ISA and once in gemm_avx2.cpp for AVX2 + FMA.
// Internal: include only from those two files.
#pragma once
// gemm.cpp splits large products across nabla's threads itself: Eigen's own
// OpenMP split would also fork for small products, and nest inside ours.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>
#include <algorithm>
#include <cstddef>

#include "gemm.h"

namespace nabla::kernels::cpu::detail {

// Products whose packed blocks fit in this many bytes keep them in a
// per-thread buffer from call to call. Eigen's own product allocates them
// per call: on the stack up to 128 KiB, with malloc above. glibc then returns
// the freed blocks to the system (they sit at the top of the heap), so the
// next product faults its pages in again: a batch-64 step of the
// 784-128-64-10 MLP spent ~75% of its time in the kernel that way on a
// virtual machine (1.1 ms instead of ~0.2), and a steady-state training
// step is meant to allocate nothing. Larger products (Eigen's blocks grow with m:
// 2.5 MiB for a float 1024³ product, 14 MiB for 4096³) get blocks of their
// own, freed after: their O(n³) arithmetic dwarfs the O(n²) page faults, and
// a thread keeps at most this much between products.
constexpr std::size_t kKeptPackingBytes = std::size_t(16) << 20;

// This thread's kept buffer of at least `elements`, grown when needed.
template <class T>
T* packing_buffer(std::size_t elements) {
  struct Buffer {
    T* data = nullptr;
    std::size_t size = 0;
    ~Buffer() { Eigen::internal::aligned_free(data); }
  };
  thread_local Buffer buffer;
  if (buffer.size < elements) {
    Eigen::internal::aligned_free(buffer.data);
    buffer.data = nullptr;  // stays consistent if the allocation throws
    buffer.size = 0;
    buffer.data = static_cast<T*>(Eigen::internal::aligned_malloc(elements * sizeof(T)));
    buffer.size = elements;
  }
  return buffer.data;
}

// Eigen's blocking (panel sizes mc, nc, kc, computed as its own product
// does) with the packed blocks in packing_buffer(), or in a buffer of its
// own above kKeptPackingBytes. For a row-major C Eigen computes
// Cᵀ = Bᵀ·Aᵀ, so its rows are C's columns. These are Eigen's internal
// classes as of 3.4, the version CMakeLists.txt asks for.
template <class T>
class ReusedBlocking : public Eigen::internal::level3_blocking<T, T> {
 public:
  ReusedBlocking(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth) {
    this->m_mc = cols;
    this->m_nc = rows;
    this->m_kc = depth;
    Eigen::internal::computeProductBlockingSizes<T, T, 1, Eigen::Index>(this->m_kc, this->m_mc, this->m_nc, 1);
    // blockB starts on a 64-byte boundary, as a block of its own would.
    constexpr std::size_t kAlign = 64 / sizeof(T) > 0 ? 64 / sizeof(T) : 1;
    const auto size_a = static_cast<std::size_t>(this->m_mc * this->m_kc);
    const std::size_t offset_b = (size_a + kAlign - 1) / kAlign * kAlign;
    const std::size_t elements = offset_b + static_cast<std::size_t>(this->m_kc * this->m_nc);
    T* buffer = elements * sizeof(T) <= kKeptPackingBytes
                    ? packing_buffer<T>(elements)
                    : (own_ = static_cast<T*>(Eigen::internal::aligned_malloc(elements * sizeof(T))));
    this->m_blockA = buffer;
    this->m_blockB = buffer + offset_b;
  }
  ~ReusedBlocking() { Eigen::internal::aligned_free(own_); }
  ReusedBlocking(const ReusedBlocking&) = delete;
  ReusedBlocking& operator=(const ReusedBlocking&) = delete;

 private:
  T* own_ = nullptr;  // the blocks of a product too large to keep them
};

// C (+)= A·B through Eigen's packed GEMM, with A and B in storage orders
// AOrder and BOrder (Eigen::RowMajor or Eigen::ColMajor).
template <class T, int AOrder, int BOrder>
void gemm_packed(const GemmArgs<T>& g) {
  using Product = Eigen::internal::general_matrix_matrix_product<Eigen::Index, T, AOrder, false, T, BOrder, false,
                                                                 Eigen::RowMajor, 1>;
  if (!g.accumulate)
    for (int64_t i = 0; i < g.m; ++i) std::fill(g.c + i * g.ldc, g.c + i * g.ldc + g.n, T(0));
  ReusedBlocking<T> blocking(g.m, g.n, g.k);
  Product::run(g.m, g.n, g.k, g.a, g.lda, g.b, g.ldb, g.c, 1, g.ldc, T(1), blocking);
}

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
  // Products of a vector go through Eigen's matrix-vector kernels, and tiny
  // ones through its lazy (coefficient-wise) product, which skips the
  // blocking and packing that would dominate there.
  if (g.m == 1 || g.n == 1 || g.m * g.n * g.k <= 4096) {
    with_operand(g.a, g.m, g.k, g.lda, g.a_colmajor, [&](const auto& a) {
      with_operand(g.b, g.k, g.n, g.ldb, g.b_colmajor, [&](const auto& b) {
        const bool vector = g.m == 1 || g.n == 1;
        if (vector && g.accumulate)
          c.noalias() += a * b;
        else if (vector)
          c.noalias() = a * b;
        else if (g.accumulate)
          c.noalias() += a.lazyProduct(b);
        else
          c.noalias() = a.lazyProduct(b);
      });
    });
    return;
  }
  if (g.a_colmajor)
    g.b_colmajor ? gemm_packed<T, Eigen::ColMajor, Eigen::ColMajor>(g)
                 : gemm_packed<T, Eigen::ColMajor, Eigen::RowMajor>(g);
  else
    g.b_colmajor ? gemm_packed<T, Eigen::RowMajor, Eigen::ColMajor>(g)
                 : gemm_packed<T, Eigen::RowMajor, Eigen::RowMajor>(g);
}

}  // namespace nabla::kernels::cpu::detail
