// The fused epilogue of a linear layer: y = act(y + bias) in one pass.
#include <algorithm>

#include "../../tensor/dtype.h"
#include "cpu_kernels.h"
#include "parallel.h"
#include "simd_clones.h"

namespace nabla::kernels::cpu {

namespace {
// Built for AVX-512, AVX2 and the baseline (simd_clones.h): a batch-32
// layer's epilogue is 4k elements, 4 at a time in the baseline build.
template <class T>
NABLA_SIMD_CLONES void bias_act_rows(T* y, const T* bias, int64_t n, int64_t row_begin, int64_t row_end, bool relu) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    T* row = y + r * n;
    // Four variants so the inner loop has no branch and vectorises.
    if (bias && relu)
      for (int64_t j = 0; j < n; ++j) row[j] = std::max(row[j] + bias[j], T(0));
    else if (bias)
      for (int64_t j = 0; j < n; ++j) row[j] += bias[j];
    else if (relu)
      for (int64_t j = 0; j < n; ++j) row[j] = std::max(row[j], T(0));
  }
}
}  // namespace

void bias_act(const View& y, const View& bias, bool relu) {
  const int64_t m = y.shape[0], n = y.shape[1];
  if (m == 0 || n == 0 || (!bias.data && !relu)) return;
  // Rows per chunk so that a chunk is about kGrainSize elements.
  const int64_t grain_rows = std::max<int64_t>(1, kGrainSize / n);
  // The caller (nn/functional/linear.cpp) admits floating dtypes only.
  NABLA_DISPATCH_FLOAT(y.dtype, T, "bias_act",
                       parallel_for(
                           m,
                           [&](int64_t b, int64_t e) {
                             bias_act_rows(static_cast<T*>(y.data), static_cast<const T*>(bias.data), n, b, e, relu);
                           },
                           grain_rows));
}

}  // namespace nabla::kernels::cpu
