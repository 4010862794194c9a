// Reductions and argmax: the twins of kernels/cpu/reduce.cpp.
//
// reduce(): the input's dims split into kept ones (the output's positions)
// and reduced ones. Few reduced elements per output: one thread per output
// walks them. Many: one block per output, each thread summing a strided share
// and the block combining the shares (block_reduce.cuh). Float sums and
// products accumulate in double, as on the CPU, so the two differ only in
// the order of the double additions.
#include <limits>
#include <type_traits>

#include "block_reduce.cuh"
#include "cuda_kernels.h"

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

// NaN wins max/min, as NumPy (and the CPU twin).
struct SumOp {
  template <class A>
  __device__ A operator()(A a, A b) const {
    return a + b;
  }
};
struct ProdOp {
  template <class A>
  __device__ A operator()(A a, A b) const {
    return a * b;
  }
};
struct MaxOp {
  template <class A>
  __device__ A operator()(A a, A b) const {
    return (a != a || a > b) ? a : b;
  }
};
struct MinOp {
  template <class A>
  __device__ A operator()(A a, A b) const {
    return (a != a || a < b) ? a : b;
  }
};
struct AnyOp {
  __device__ bool operator()(bool a, bool b) const { return a || b; }
};
struct AllOp {
  __device__ bool operator()(bool a, bool b) const { return a && b; }
};

// kept: output positions (a: offset in in, b: offset in out); reduced: a only.
template <class T, class Acc, class Combine>
__global__ void reduce_thread_kernel(T* out, const T* in, IndexMap kept, IndexMap reduced, Acc identity,
                                     Combine combine) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; o < kept.numel; o += step) {
    int64_t in_base, out_off, r_off, unused;
    kept.offsets(o, in_base, out_off);
    Acc acc = identity;
    for (int64_t r = 0; r < reduced.numel; ++r) {
      reduced.offsets(r, r_off, unused);
      acc = combine(acc, static_cast<Acc>(in[in_base + r_off]));
    }
    out[out_off] = static_cast<T>(acc);
  }
}

template <class T, class Acc, class Combine>
__global__ void reduce_block_kernel(T* out, const T* in, IndexMap kept, IndexMap reduced, Acc identity,
                                    Combine combine) {
  for (int64_t o = blockIdx.x; o < kept.numel; o += gridDim.x) {
    int64_t in_base, out_off, r_off, unused;
    kept.offsets(o, in_base, out_off);
    Acc acc = identity;
    for (int64_t r = threadIdx.x; r < reduced.numel; r += blockDim.x) {
      reduced.offsets(r, r_off, unused);
      acc = combine(acc, static_cast<Acc>(in[in_base + r_off]));
    }
    acc = block_reduce(acc, combine);
    if (threadIdx.x == 0) out[out_off] = static_cast<T>(acc);
  }
}

template <class T, class Acc, class Combine>
void run_reduce(const View& out, const View& in, Acc identity, Combine combine) {
  NABLA_CHECK(in.ndim <= kMaxDims, "reduce", "tensors with more than ", kMaxDims, " dims are not supported");
  IndexMap kept, reduced;
  for (int d = 0; d < in.ndim; ++d) {
    if (in.shape[d] == 1) continue;  // never moves a pointer
    if (out.shape[d] == 1)
      reduced.add(in.shape[d], in.strides[d], 0);
    else
      kept.add(in.shape[d], in.strides[d], out.strides[d]);
  }
  if (kept.numel == 0) return;  // an empty output
  T* o = static_cast<T*>(out.data);
  const T* a = static_cast<const T*>(in.data);
  cudaStream_t stream = rt::current_stream();
  if (reduced.numel < 256) {  // also an empty input: every output gets the identity
    reduce_thread_kernel<<<rt::grid_for(kept.numel), rt::kBlock, 0, stream>>>(o, a, kept, reduced, identity, combine);
  } else {
    const int64_t blocks = kept.numel < (int64_t(1) << 20) ? kept.numel : (int64_t(1) << 20);
    reduce_block_kernel<<<static_cast<unsigned>(blocks), rt::kBlock, 0, stream>>>(o, a, kept, reduced, identity,
                                                                                  combine);
  }
  NABLA_CUDA_CHECK(cudaGetLastError());
}

template <class T>
void reduce_numeric(ReduceOp op, const View& out, const View& in) {
  using Acc = typename std::conditional<std::is_floating_point<T>::value, double, T>::type;
  switch (op) {
    case ReduceOp::Sum:
      run_reduce<T, Acc>(out, in, Acc(0), SumOp{});
      return;
    case ReduceOp::Prod:
      run_reduce<T, Acc>(out, in, Acc(1), ProdOp{});
      return;
    case ReduceOp::Max:
      run_reduce<T, T>(out, in, std::numeric_limits<T>::lowest(), MaxOp{});
      return;
    case ReduceOp::Min:
      run_reduce<T, T>(out, in, std::numeric_limits<T>::max(), MinOp{});
      return;
    default:
      break;
  }
}

// One thread per output position scans along the axis (first index on ties;
// a NaN is the max and ends the scan), as the CPU twin.
template <class T>
__global__ void argmax_kernel(int64_t* out, const T* in, IndexMap outer, int64_t len, int64_t step, bool is_min) {
  const int64_t grid_step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; o < outer.numel; o += grid_step) {
    int64_t in_off, out_off;
    outer.offsets(o, in_off, out_off);
    const T* a = in + in_off;
    T best = a[0];
    int64_t best_k = 0;
    for (int64_t k = 1; k < len && best == best; ++k) {
      const T v = a[k * step];
      if (v != v || (is_min ? v < best : v > best)) {
        best = v;
        best_k = k;
      }
    }
    out[out_off] = best_k;
  }
}

}  // namespace

void reduce(ReduceOp op, const View& out, const View& in) {
  rt::check_same_device("reduce", out, in);
  rt::DeviceGuard guard(out.device.index);
  if (op == ReduceOp::Any) {
    run_reduce<bool, bool>(out, in, false, AnyOp{});
    return;
  }
  if (op == ReduceOp::All) {
    run_reduce<bool, bool>(out, in, true, AllOp{});
    return;
  }
  switch (in.dtype) {
    case DType::Float32:
      reduce_numeric<float>(op, out, in);
      return;
    case DType::Float64:
      reduce_numeric<double>(op, out, in);
      return;
    case DType::Int64:
      reduce_numeric<int64_t>(op, out, in);
      return;
    case DType::Bool:
      NABLA_CHECK(false, "reduce", "numeric reduction of a bool tensor: convert with astype first");
  }
}

void argmax(const View& out, const View& in, int axis, bool is_min) {
  rt::check_same_device("argmax", out, in);
  rt::DeviceGuard guard(out.device.index);
  IndexMap outer;
  int nd = 0;
  for (int d = 0; d < in.ndim; ++d)
    if (d != axis) outer.add(in.shape[d], in.strides[d], out.strides[nd++]);
  const int64_t len = in.shape[axis];
  if (outer.numel == 0 || len == 0) return;
  cudaStream_t stream = rt::current_stream();
  const unsigned grid = rt::grid_for(outer.numel);
  NABLA_DISPATCH_ALL(
      in.dtype, T,
      argmax_kernel<<<grid, rt::kBlock, 0, stream>>>(static_cast<int64_t*>(out.data), static_cast<const T*>(in.data),
                                                     outer, len, in.strides[axis], is_min));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

}  // namespace nabla::kernels::cuda
