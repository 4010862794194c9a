// 2-D convolution on CUDA: direct kernels, the twins of kernels/cpu/conv.cpp
// (kernels.h has the formula). Written for correctness first: one thread per
// output element walks its receptive field (conv2d), per input element its
// adjoint taps (conv_transpose2d), and one block per weight element sums over
// the batch and the output pixels (conv2d_weight). Sums run in double. The
// fast path is cuDNN (implicit GEMM, algorithm cached per shape): the next
// step, behind these same three functions.
#include "block_reduce.cuh"
#include "cuda_kernels.h"

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

#define NABLA_GRID_STRIDE(i, n)                                                          \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

// y [N, C_out, OH, OW] = conv2d(x [N, C_in, H, W], w [C_out, C_in/G, KH, KW]) + b
template <class T>
__global__ void conv2d_kernel(const Conv2dGeometry g, T* y, const T* x, const T* w, const T* b) {
  const int64_t cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
  const int64_t total = g.batch * g.out_channels * g.out_h * g.out_w;
  NABLA_GRID_STRIDE(idx, total) {
    const int64_t ow = idx % g.out_w, oh = (idx / g.out_w) % g.out_h;
    const int64_t o = (idx / (g.out_w * g.out_h)) % g.out_channels, n = idx / (g.out_w * g.out_h * g.out_channels);
    const int64_t c0 = (o / cout_g) * cin_g;
    double acc = b ? static_cast<double>(b[o]) : 0.0;
    for (int64_t c = 0; c < cin_g; ++c) {
      const T* xp = x + ((n * g.in_channels + c0 + c) * g.in_h) * g.in_w;
      const T* wp = w + ((o * cin_g + c) * g.kernel_h) * g.kernel_w;
      for (int64_t i = 0; i < g.kernel_h; ++i) {
        const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
        if (ih < 0 || ih >= g.in_h) continue;
        for (int64_t j = 0; j < g.kernel_w; ++j) {
          const int64_t iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
          if (iw < 0 || iw >= g.in_w) continue;
          acc += static_cast<double>(wp[i * g.kernel_w + j]) * static_cast<double>(xp[ih * g.in_w + iw]);
        }
      }
    }
    y[idx] = static_cast<T>(acc);
  }
}

// x [N, C_in, H, W] = conv2dᵀ(y, w) + b: each input pixel gathers the
// outputs whose windows read it.
template <class T>
__global__ void conv_transpose2d_kernel(const Conv2dGeometry g, T* x, const T* y, const T* w, const T* b) {
  const int64_t cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
  const int64_t total = g.batch * g.in_channels * g.in_h * g.in_w;
  NABLA_GRID_STRIDE(idx, total) {
    const int64_t iw = idx % g.in_w, ih = (idx / g.in_w) % g.in_h;
    const int64_t ci = (idx / (g.in_w * g.in_h)) % g.in_channels, n = idx / (g.in_w * g.in_h * g.in_channels);
    const int64_t group = ci / cin_g, c = ci % cin_g;
    double acc = b ? static_cast<double>(b[ci]) : 0.0;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const int64_t th = ih + g.pad_h - i * g.dilation_h;  // = oh·sh
      if (th < 0 || th % g.stride_h != 0) continue;
      const int64_t oh = th / g.stride_h;
      if (oh >= g.out_h) continue;
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t tw = iw + g.pad_w - j * g.dilation_w;
        if (tw < 0 || tw % g.stride_w != 0) continue;
        const int64_t ow = tw / g.stride_w;
        if (ow >= g.out_w) continue;
        for (int64_t k = 0; k < cout_g; ++k) {
          const int64_t o = group * cout_g + k;
          acc += static_cast<double>(w[((o * cin_g + c) * g.kernel_h + i) * g.kernel_w + j]) *
                 static_cast<double>(y[((n * g.out_channels + o) * g.out_h + oh) * g.out_w + ow]);
        }
      }
    }
    x[idx] = static_cast<T>(acc);
  }
}

struct SumF {
  __device__ double operator()(double a, double b) const { return a + b; }
};

// w [C_out, C_in/G, KH, KW] = Σ_n Σ_(oh, ow) y[n, o, oh, ow] · x[n, c, ...]:
// one block per weight element.
template <class T>
__global__ void conv2d_weight_kernel(const Conv2dGeometry g, T* w, const T* x, const T* y) {
  const int64_t cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
  const int64_t total = g.out_channels * cin_g * g.kernel_h * g.kernel_w;
  const int64_t pixels = g.out_h * g.out_w, work = g.batch * pixels;
  for (int64_t idx = blockIdx.x; idx < total; idx += gridDim.x) {
    const int64_t j = idx % g.kernel_w, i = (idx / g.kernel_w) % g.kernel_h;
    const int64_t c = (idx / (g.kernel_w * g.kernel_h)) % cin_g, o = idx / (g.kernel_w * g.kernel_h * cin_g);
    const int64_t ci = (o / cout_g) * cin_g + c;
    double acc = 0;
    for (int64_t t = threadIdx.x; t < work; t += blockDim.x) {
      const int64_t n = t / pixels, oh = (t % pixels) / g.out_w, ow = t % g.out_w;
      const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
      const int64_t iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
      if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
      acc += static_cast<double>(y[((n * g.out_channels + o) * g.out_h + oh) * g.out_w + ow]) *
             static_cast<double>(x[((n * g.in_channels + ci) * g.in_h + ih) * g.in_w + iw]);
    }
    acc = block_reduce(acc, SumF{});
    if (threadIdx.x == 0) w[idx] = static_cast<T>(acc);
  }
}

}  // namespace

void conv2d(const Conv2dGeometry& g, const View& y, const View& x, const View& w, const View& b) {
  rt::check_same_device("conv2d", y, x);
  rt::check_same_device("conv2d", y, w);
  rt::check_same_device("conv2d", y, b);
  rt::DeviceGuard guard(y.device.index);
  const int64_t n = g.batch * g.out_channels * g.out_h * g.out_w;
  if (n == 0) return;
  NABLA_DISPATCH_FLOAT(y.dtype, T, "conv2d",
                       conv2d_kernel<T><<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(
                           g, static_cast<T*>(y.data), static_cast<const T*>(x.data), static_cast<const T*>(w.data),
                           static_cast<const T*>(b.data)));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

void conv_transpose2d(const Conv2dGeometry& g, const View& x, const View& y, const View& w, const View& b) {
  rt::check_same_device("conv_transpose2d", x, y);
  rt::check_same_device("conv_transpose2d", x, w);
  rt::check_same_device("conv_transpose2d", x, b);
  rt::DeviceGuard guard(x.device.index);
  const int64_t n = g.batch * g.in_channels * g.in_h * g.in_w;
  if (n == 0) return;
  NABLA_DISPATCH_FLOAT(x.dtype, T, "conv_transpose2d",
                       conv_transpose2d_kernel<T><<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(
                           g, static_cast<T*>(x.data), static_cast<const T*>(y.data), static_cast<const T*>(w.data),
                           static_cast<const T*>(b.data)));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

void conv2d_weight(const Conv2dGeometry& g, const View& w, const View& x, const View& y) {
  rt::check_same_device("conv2d_weight", w, x);
  rt::check_same_device("conv2d_weight", w, y);
  rt::DeviceGuard guard(w.device.index);
  const int64_t n = w.numel();
  if (n == 0) return;
  const unsigned blocks = static_cast<unsigned>(n < (int64_t(1) << 20) ? n : (int64_t(1) << 20));
  NABLA_DISPATCH_FLOAT(w.dtype, T, "conv2d_weight",
                       conv2d_weight_kernel<T><<<blocks, rt::kBlock, 0, rt::current_stream()>>>(
                           g, static_cast<T*>(w.data), static_cast<const T*>(x.data), static_cast<const T*>(y.data)));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

}  // namespace nabla::kernels::cuda
