// The fused epilogue of a linear layer, y = act(y + bias) in one pass: the
// twin of kernels/cpu/linear.cpp. One thread per element of y [M, N].
#include "cuda_kernels.h"
#include "runtime.h"

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

template <class T>
__global__ void bias_act_kernel(T* y, const T* bias, int64_t m, int64_t n, bool relu) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < m * n; i += step) {
    T v = y[i];
    if (bias) v += bias[i % n];
    if (relu) v = v < T(0) ? T(0) : v;  // std::max(v, 0) as the CPU: NaN stays NaN
    y[i] = v;
  }
}

}  // namespace

void bias_act(const View& y, const View& bias, bool relu) {
  rt::check_same_device("bias_act", y, bias);
  const int64_t m = y.shape[0], n = y.shape[1];
  if (m == 0 || n == 0 || (!bias.data && !relu)) return;
  rt::DeviceGuard guard(y.device.index);
  NABLA_DISPATCH_FLOAT(y.dtype, T, "bias_act",
                       bias_act_kernel<T><<<rt::grid_for(m * n), rt::kBlock, 0, rt::current_stream()>>>(
                           static_cast<T*>(y.data), static_cast<const T*>(bias.data), m, n, relu));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

}  // namespace nabla::kernels::cuda
