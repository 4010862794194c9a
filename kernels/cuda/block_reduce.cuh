// Reducing one value per thread of a block to one value (thread 0 gets it,
// and so does every thread after the call): a tree in shared memory.
// blockDim.x must be kBlock (a power of two). Every thread must call it.
#pragma once
#include "runtime.h"

namespace nabla::kernels::cuda {

template <class Acc, class Combine>
__device__ Acc block_reduce(Acc v, Combine combine) {
  __shared__ Acc buf[::nabla::cuda::detail::kBlock];
  __syncthreads();  // a previous call's readers are done with buf
  buf[threadIdx.x] = v;
  __syncthreads();
  for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) buf[threadIdx.x] = combine(buf[threadIdx.x], buf[threadIdx.x + half]);
    __syncthreads();
  }
  return buf[0];
}

// Positions of a shape, with the element offsets of up to two views at each:
// position i -> (i-th offset in view a, i-th offset in view b), row-major.
struct IndexMap {
  int ndim = 0;
  int64_t numel = 1;
  int64_t shape[kMaxDims];
  int64_t stride_a[kMaxDims];
  int64_t stride_b[kMaxDims];

  void add(int64_t size, int64_t sa, int64_t sb) {
    shape[ndim] = size;
    stride_a[ndim] = sa;
    stride_b[ndim] = sb;
    numel *= size;
    ++ndim;
  }
  __device__ void offsets(int64_t i, int64_t& a, int64_t& b) const {
    a = 0;
    b = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t c = i % shape[d];
      i /= shape[d];
      a += c * stride_a[d];
      b += c * stride_b[d];
    }
  }
};

}  // namespace nabla::kernels::cuda
