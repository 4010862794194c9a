// The fused softmax cross-entropy, forward and backward: the twins of
// kernels/cpu/loss.cpp (kernels.h has the formulas). One block per row of
// the [N, C] logits: the block finds the row max, then sums exp(x - max) (in
// double: a little more accurate than the CPU's sum in the logits' dtype),
// so the [N, C] softmax is never written to memory.
#include <cmath>

#include "block_reduce.cuh"
#include "cuda_kernels.h"

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

struct MaxF {
  template <class A>
  __device__ A operator()(A a, A b) const {
    return a > b ? a : b;
  }
};
struct SumF {
  template <class A>
  __device__ A operator()(A a, A b) const {
    return a + b;
  }
};

// Σ_c w_c over the block (C when there are no weights).
template <class T>
__device__ double weight_total(const T* w, int64_t classes) {
  if (!w) return static_cast<double>(classes);
  double local = 0;
  for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) local += static_cast<double>(w[c]);
  return block_reduce(local, SumF{});
}

template <class T>
__global__ void cross_entropy_forward_kernel(T* loss, T* lse, const T* x, const int64_t* target, const T* w,
                                             int64_t rows, int64_t classes, int64_t ignore_index, double smoothing) {
  const double total = weight_total(w, classes);
  for (int64_t i = blockIdx.x; i < rows; i += gridDim.x) {
    const T* row = x + i * classes;
    T local_max = -INFINITY;
    for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) local_max = row[c] > local_max ? row[c] : local_max;
    T m = block_reduce(local_max, MaxF{});
    if (!isfinite(m)) m = 0;  // all -inf (or a NaN row): keep inf/NaN out of x - m
    double local_sum = 0, local_wx = 0;
    for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
      local_sum += static_cast<double>(exp(row[c] - m));
      if (smoothing != 0) local_wx += static_cast<double>(w ? row[c] * w[c] : row[c]);
    }
    const double s = block_reduce(local_sum, SumF{});
    const double weighted_x = smoothing != 0 ? block_reduce(local_wx, SumF{}) : 0.0;
    if (threadIdx.x == 0) {
      const double row_lse = static_cast<double>(m) + log(s);
      lse[i] = static_cast<T>(row_lse);
      const int64_t t = target[i];
      if (t == ignore_index) {
        loss[i] = 0;
      } else {
        // (1-ε)·w_t·(lse - x_t) + ε/C·Σ_c w_c·(lse - x_c)
        const double wt = w ? static_cast<double>(w[t]) : 1.0;
        double l = (1 - smoothing) * wt * (row_lse - static_cast<double>(row[t]));
        if (smoothing != 0) l += smoothing / static_cast<double>(classes) * (row_lse * total - weighted_x);
        loss[i] = static_cast<T>(l);
      }
    }
  }
}

template <class T>
__global__ void cross_entropy_backward_kernel(T* dx, const T* dloss, int64_t dloss_stride, const T* x, const T* lse,
                                              const int64_t* target, const T* w, int64_t rows, int64_t classes,
                                              int64_t ignore_index, double smoothing) {
  const double total = weight_total(w, classes);
  const T eps_per_class = static_cast<T>(smoothing / static_cast<double>(classes));
  for (int64_t i = blockIdx.x; i < rows; i += gridDim.x) {
    T* drow = dx + i * classes;
    const int64_t t = target[i];
    if (t == ignore_index) {
      for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) drow[c] = T(0);
      continue;
    }
    const T* row = x + i * classes;
    const T gi = dloss[i * dloss_stride];
    const double w_t = w ? static_cast<double>(w[t]) : 1.0;
    const T wt = static_cast<T>((1 - smoothing) * w_t);
    // d loss_i / d x_c = a·softmax_c - ((1-ε) w_t [c = t] + ε/C w_c)
    const T a = static_cast<T>((1 - smoothing) * w_t + smoothing / static_cast<double>(classes) * total);
    const T row_lse = lse[i];
    for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
      const T wc = w ? w[c] : T(1);
      T v = gi * (a * exp(row[c] - row_lse) - eps_per_class * wc);
      if (c == t) v -= gi * wt;
      drow[c] = v;
    }
  }
}

unsigned row_blocks(int64_t rows) {
  return static_cast<unsigned>(rows < (int64_t(1) << 20) ? rows : (int64_t(1) << 20));
}

}  // namespace

void cross_entropy_forward(const View& loss, const View& lse, const View& logits, const View& target,
                           const View& weight, int64_t ignore_index, double label_smoothing) {
  rt::check_same_device("cross_entropy", logits, loss);
  rt::check_same_device("cross_entropy", logits, lse);
  rt::check_same_device("cross_entropy", logits, target);
  rt::check_same_device("cross_entropy", logits, weight);
  rt::DeviceGuard guard(logits.device.index);
  const int64_t rows = logits.shape[0], classes = logits.shape[1];
  if (rows == 0) return;
  NABLA_DISPATCH_FLOAT(logits.dtype, T, "cross_entropy",
                       cross_entropy_forward_kernel<T><<<row_blocks(rows), rt::kBlock, 0, rt::current_stream()>>>(
                           static_cast<T*>(loss.data), static_cast<T*>(lse.data), static_cast<const T*>(logits.data),
                           static_cast<const int64_t*>(target.data), static_cast<const T*>(weight.data), rows, classes,
                           ignore_index, label_smoothing));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

void cross_entropy_backward(const View& dlogits, const View& dloss, const View& logits, const View& lse,
                            const View& target, const View& weight, int64_t ignore_index, double label_smoothing) {
  rt::check_same_device("cross_entropy_backward", logits, dlogits);
  rt::check_same_device("cross_entropy_backward", logits, dloss);
  rt::check_same_device("cross_entropy_backward", logits, lse);
  rt::check_same_device("cross_entropy_backward", logits, target);
  rt::check_same_device("cross_entropy_backward", logits, weight);
  rt::DeviceGuard guard(logits.device.index);
  const int64_t rows = logits.shape[0], classes = logits.shape[1];
  if (rows == 0) return;
  const int64_t dloss_stride = dloss.ndim > 0 ? dloss.strides[0] : 0;
  NABLA_DISPATCH_FLOAT(
      logits.dtype, T, "cross_entropy_backward",
      cross_entropy_backward_kernel<T><<<row_blocks(rows), rt::kBlock, 0, rt::current_stream()>>>(
          static_cast<T*>(dlogits.data), static_cast<const T*>(dloss.data), dloss_stride,
          static_cast<const T*>(logits.data), static_cast<const T*>(lse.data), static_cast<const int64_t*>(target.data),
          static_cast<const T*>(weight.data), rows, classes, ignore_index, label_smoothing));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

}  // namespace nabla::kernels::cuda
