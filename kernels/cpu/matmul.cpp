// Batched GEMM through gemm() (gemm.h). A transposed operand (inner stride != 1 but
// outer stride 1) is mapped as column-major instead of being copied, so the
// backward products dA = dY Bᵀ and dB = Aᵀ dY cost no transposes.
#include <vector>

#include "cpu_kernels.h"
#include "gemm.h"
#include "parallel.h"

namespace nabla::kernels::cpu {
namespace {

// The b-th [rows, cols] matrix of a 3-D view as a gemm operand: row-major
// when its columns are contiguous, column-major when its rows are (a
// transposed view), otherwise copied into `scratch` (rare: a doubly strided
// view).
template <class T>
void operand(const View& v, int64_t b, std::vector<T>& scratch, const T*& p, int64_t& ld, bool& colmajor) {
  const T* base = static_cast<const T*>(v.data) + b * v.strides[0];
  const int64_t rows = v.shape[1], cols = v.shape[2], rs = v.strides[1], cs = v.strides[2];
  if (cs == 1 || cols == 1) {
    p = base, ld = rows == 1 ? cols : rs, colmajor = false;
  } else if (rs == 1 || rows == 1) {
    p = base, ld = cs, colmajor = true;
  } else {
    scratch.resize(static_cast<size_t>(rows * cols));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) scratch[i * cols + j] = base[i * rs + j * cs];
    p = scratch.data(), ld = cols, colmajor = false;
  }
}

template <class T>
void matmul_typed(const View& out, const View& a, const View& b) {
  const int64_t batch = out.shape[0], m = out.shape[1], n = out.shape[2], k = a.shape[2];
  auto one = [&](int64_t i) {
    std::vector<T> sa, sb;
    GemmArgs<T> g{m, n, k, nullptr, 0, false, nullptr, 0, false, static_cast<T*>(out.data) + i * m * n, n, false};
    operand(a, i, sa, g.a, g.lda, g.a_colmajor);
    operand(b, i, sb, g.b, g.ldb, g.b_colmajor);
    gemm(g);
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

bool sgd_step_product(const View& param, const View& a, const View& b, const View& momentum_buffer, const SgdHyper& h) {
  // Only float32 with a momentum buffer past its first step (the buffer's
  // birth copies the gradient, which is then never stored here).
  if (param.dtype != DType::Float32 || a.dtype != DType::Float32 || b.dtype != DType::Float32 ||
      !momentum_buffer.data || h.first_step)
    return false;
  const int64_t m = a.shape[1], k = a.shape[2], n = b.shape[2];
  std::vector<float> sa, sb;  // stay empty: operands needing a copy are declined below
  GemmArgs<float> g{m, n, k, nullptr, 0, false, nullptr, 0, false, static_cast<float*>(param.data), n, false};
  operand(a, 0, sa, g.a, g.lda, g.a_colmajor);
  operand(b, 0, sb, g.b, g.ldb, g.b_colmajor);
  if (!sa.empty() || !sb.empty()) return false;
  const GemmSgd sgd{static_cast<float*>(momentum_buffer.data) - static_cast<float*>(param.data),
                    float(h.lr),
                    h.maximize ? -1.0f : 1.0f,
                    float(h.weight_decay),
                    float(h.momentum),
                    float(1 - h.dampening),
                    h.nesterov};
  return gemm_sgd(g, sgd);
}

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
