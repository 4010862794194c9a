// 2-D pooling on CUDA, hand-written (simpler than cuDNN's descriptors and as
// fast for these memory-bound loops): the twins of kernels/cpu/pool.cpp,
// with the same windows, divisors, tie and NaN rules. One thread per output
// pixel; the backward passes zero dx and scatter into it with atomicAdd
// (windows may overlap), so float sums arrive in another order than on the
// CPU (equal to rounding).
#include <limits>

#include "cuda_kernels.h"
#include "runtime.h"

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

#define NABLA_GRID_STRIDE(i, n)                                                          \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

struct Span {
  int64_t start, end, count;
};

// Output o's averaging window along one axis (cpu/pool.cpp: avg_span).
__device__ Span avg_span(const Pool2dGeometry& g, int64_t o, int64_t in, int64_t out, int64_t k, int64_t s, int64_t p) {
  if (g.adaptive) {
    const int64_t start = o * in / out, end = ((o + 1) * in + out - 1) / out;
    return {start, end, end - start};
  }
  int64_t start = o * s - p, end = start + k < in + p ? start + k : in + p;
  const int64_t padded = end - start;
  start = start > 0 ? start : 0;
  end = end < in ? end : in;
  return {start, end, g.count_include_pad ? padded : end - start};
}

template <class T>
__global__ void max_pool2d_kernel(const Pool2dGeometry g, T* y, int64_t* indices, const T* x) {
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w;
  NABLA_GRID_STRIDE(o, g.planes * OH * OW) {
    const int64_t p = o / (OH * OW), oh = (o / OW) % OH, ow = o % OW;
    const T* xp = x + p * H * W;
    const int64_t h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
    // Taps in order; the first inside the input starts the search, a later
    // one wins only when larger (ties keep the first); if any tap is NaN the
    // last NaN wins, as PyTorch and the CPU twin.
    int64_t arg = -1, last_nan = -1;
    T best = -INFINITY;
    for (int64_t a = 0; a < g.kernel_h; ++a) {
      const int64_t ih = h0 + a * g.dilation_h;
      if (ih < 0 || ih >= H) continue;
      for (int64_t b = 0; b < g.kernel_w; ++b) {
        const int64_t iw = w0 + b * g.dilation_w;
        if (iw < 0 || iw >= W) continue;
        const int64_t i = ih * W + iw;
        const T v = xp[i];
        if (arg < 0 || v > best) {
          arg = i;
          best = v;
        }
        if (v != v) last_nan = i;
      }
    }
    if (last_nan >= 0) {
      arg = last_nan;
      best = xp[arg];
    }
    y[o] = arg < 0 ? -INFINITY : best;  // all padding: no max, no gradient
    indices[o] = arg;
  }
}

template <class T>
__device__ void atomic_add(T* p, T v) {
  atomicAdd(p, v);
}

template <class T>
__global__ void max_pool2d_backward_kernel(const Pool2dGeometry g, T* dx, const T* dy, const int64_t* indices) {
  const int64_t out_plane = g.out_h * g.out_w, in_plane = g.in_h * g.in_w;
  NABLA_GRID_STRIDE(o, g.planes * out_plane) {
    const int64_t i = indices[o];
    if (i >= 0) atomic_add(dx + (o / out_plane) * in_plane + i, dy[o]);
  }
}

template <class T>
__global__ void avg_pool2d_kernel(const Pool2dGeometry g, T* y, const T* x) {
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w;
  NABLA_GRID_STRIDE(o, g.planes * OH * OW) {
    const int64_t p = o / (OH * OW), oh = (o / OW) % OH, ow = o % OW;
    const Span sh = avg_span(g, oh, H, OH, g.kernel_h, g.stride_h, g.pad_h);
    const Span sw = avg_span(g, ow, W, OW, g.kernel_w, g.stride_w, g.pad_w);
    const T* xp = x + p * H * W;
    T sum = 0;
    for (int64_t ih = sh.start; ih < sh.end; ++ih)
      for (int64_t iw = sw.start; iw < sw.end; ++iw) sum += xp[ih * W + iw];
    const int64_t count = sh.count * sw.count;
    y[o] = count > 0 ? sum / static_cast<T>(count) : T(0);
  }
}

template <class T>
__global__ void avg_pool2d_backward_kernel(const Pool2dGeometry g, T* dx, const T* dy) {
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w;
  NABLA_GRID_STRIDE(o, g.planes * OH * OW) {
    const int64_t p = o / (OH * OW), oh = (o / OW) % OH, ow = o % OW;
    const Span sh = avg_span(g, oh, H, OH, g.kernel_h, g.stride_h, g.pad_h);
    const Span sw = avg_span(g, ow, W, OW, g.kernel_w, g.stride_w, g.pad_w);
    const int64_t count = sh.count * sw.count;
    if (count == 0) continue;
    const T v = dy[o] / static_cast<T>(count);
    T* dxp = dx + p * H * W;
    for (int64_t ih = sh.start; ih < sh.end; ++ih)
      for (int64_t iw = sw.start; iw < sw.end; ++iw) atomic_add(dxp + ih * W + iw, v);
  }
}

int64_t outputs(const Pool2dGeometry& g) { return g.planes * g.out_h * g.out_w; }

// dx = 0, on the stream, before the scatter kernels add into it.
void zero(const View& dx) {
  const size_t nbytes = static_cast<size_t>(dx.numel()) * dtype_size(dx.dtype);
  if (nbytes) NABLA_CUDA_CHECK(cudaMemsetAsync(dx.data, 0, nbytes, rt::current_stream()));
}

}  // namespace

void max_pool2d(const Pool2dGeometry& g, const View& y, const View& indices, const View& x) {
  rt::check_same_device("max_pool2d", y, x);
  rt::check_same_device("max_pool2d", y, indices);
  rt::DeviceGuard guard(y.device.index);
  const int64_t n = outputs(g);
  if (n == 0) return;
  NABLA_DISPATCH_FLOAT(
      y.dtype, T, "max_pool2d",
      max_pool2d_kernel<T><<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(
          g, static_cast<T*>(y.data), static_cast<int64_t*>(indices.data), static_cast<const T*>(x.data)));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

void max_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy, const View& indices) {
  rt::check_same_device("max_pool2d_backward", dx, dy);
  rt::check_same_device("max_pool2d_backward", dx, indices);
  rt::DeviceGuard guard(dx.device.index);
  zero(dx);
  const int64_t n = outputs(g);
  if (n == 0) return;
  NABLA_DISPATCH_FLOAT(
      dx.dtype, T, "max_pool2d_backward",
      max_pool2d_backward_kernel<T><<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(
          g, static_cast<T*>(dx.data), static_cast<const T*>(dy.data), static_cast<const int64_t*>(indices.data)));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

void avg_pool2d(const Pool2dGeometry& g, const View& y, const View& x) {
  rt::check_same_device("avg_pool2d", y, x);
  rt::DeviceGuard guard(y.device.index);
  const int64_t n = outputs(g);
  if (n == 0) return;
  NABLA_DISPATCH_FLOAT(y.dtype, T, "avg_pool2d",
                       avg_pool2d_kernel<T><<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(
                           g, static_cast<T*>(y.data), static_cast<const T*>(x.data)));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

void avg_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy) {
  rt::check_same_device("avg_pool2d_backward", dx, dy);
  rt::DeviceGuard guard(dx.device.index);
  zero(dx);
  const int64_t n = outputs(g);
  if (n == 0) return;
  NABLA_DISPATCH_FLOAT(dx.dtype, T, "avg_pool2d_backward",
                       avg_pool2d_backward_kernel<T><<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(
                           g, static_cast<T*>(dx.data), static_cast<const T*>(dy.data)));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

}  // namespace nabla::kernels::cuda
