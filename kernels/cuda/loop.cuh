// The one strided, broadcasting loop every CUDA elementwise kernel runs on:
// the GPU twin of kernels/cpu/loop.h.
//
// launch_elementwise(views, f) takes N views of one shape (operand 0 is the
// output; inputs have stride 0 along broadcast dims), simplifies the layout
// the way the CPU loop does (size-1 dims dropped, dims contiguous with each
// other in every operand merged), and calls f(offsets) on the device for
// every element, offsets[k] being operand k's element offset. When every
// operand is contiguous the layout is one flat run and offsets are the
// element index itself: no division at all (the contiguous fast path).
//
// The op is usually a runtime argument of f (one switch per element): the
// switch is the same for a whole warp, so it costs next to nothing beside the
// memory traffic, and one kernel per dtype instead of per (op, dtype) keeps
// the build fast.
#pragma once
#include "runtime.h"

namespace nabla::kernels::cuda {

template <int N>
struct Layout {
  int ndim = 0;
  int64_t numel = 1;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims][N];  // in elements; strides[d][k] for operand k
};

template <int N>
Layout<N> make_layout(const View* const (&views)[N]) {
  const View& out = *views[0];
  NABLA_CHECK(out.ndim <= kMaxDims, "kernels", "tensors with more than ", kMaxDims, " dims are not supported (got ",
              out.ndim, ")");
  Layout<N> l;
  for (int d = 0; d < out.ndim; ++d) {
    l.numel *= out.shape[d];
    if (out.shape[d] == 1) continue;
    l.shape[l.ndim] = out.shape[d];
    for (int k = 0; k < N; ++k) l.strides[l.ndim][k] = views[k]->strides[d];
    ++l.ndim;
  }
  int merged = 0;
  for (int d = 1; d < l.ndim; ++d) {
    bool can = true;
    for (int k = 0; k < N && can; ++k) can = l.strides[merged][k] == l.strides[d][k] * l.shape[d];
    if (can) {
      l.shape[merged] *= l.shape[d];
    } else {
      ++merged;
      l.shape[merged] = l.shape[d];
    }
    for (int k = 0; k < N; ++k) l.strides[merged][k] = l.strides[d][k];
  }
  if (l.ndim > 0) l.ndim = merged + 1;
  return l;
}

template <int N>
bool is_flat(const Layout<N>& l) {
  if (l.ndim == 0) return true;
  if (l.ndim > 1) return false;
  for (int k = 0; k < N; ++k)
    if (l.strides[0][k] != 1) return false;
  return true;
}

template <int N>
__device__ inline void offsets_of(const Layout<N>& l, int64_t i, int64_t (&off)[N]) {
  for (int k = 0; k < N; ++k) off[k] = 0;
  for (int d = l.ndim - 1; d >= 0; --d) {
    const int64_t c = i % l.shape[d];
    i /= l.shape[d];
    for (int k = 0; k < N; ++k) off[k] += c * l.strides[d][k];
  }
}

template <int N, class F>
__global__ void strided_kernel(const Layout<N> l, F f) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < l.numel; i += step) {
    int64_t off[N];
    offsets_of(l, i, off);
    f(off);
  }
}

template <int N, class F>
__global__ void flat_kernel(int64_t n, F f) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t off[N];
    for (int k = 0; k < N; ++k) off[k] = i;
    f(off);
  }
}

// Runs f over every element of views (all on one device, the current one).
template <int N, class F>
void launch_elementwise(const View* const (&views)[N], F f) {
  const int64_t n = views[0]->numel();
  if (n == 0) return;
  const Layout<N> l = make_layout(views);
  cudaStream_t stream = ::nabla::cuda::detail::current_stream();
  if (is_flat(l))
    flat_kernel<N><<<::nabla::cuda::detail::grid_for(n), ::nabla::cuda::detail::kBlock, 0, stream>>>(n, f);
  else
    strided_kernel<N><<<::nabla::cuda::detail::grid_for(n), ::nabla::cuda::detail::kBlock, 0, stream>>>(l, f);
  NABLA_CUDA_CHECK(cudaGetLastError());
}

}  // namespace nabla::kernels::cuda
