// Indexing kernels along one axis (gather, scatter_add, index_select,
// index_add) and row sorting: the twins of kernels/cpu/index.cpp. One thread
// per position of the shape the CPU loop walks; the indexed axis takes its
// coordinate from `index`. The accumulating ones (scatter_add, index_add)
// use atomicAdd, so float sums arrive in a different order than on the CPU
// (equal to rounding, and not bitwise reproducible run to run).
#include <type_traits>

#include "cuda_kernels.h"
#include "runtime.h"

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

// The positions of one shape with the element offsets of three views there,
// and the coordinate along `axis`.
struct Walk {
  int ndim = 0, axis = 0;
  int64_t numel = 1;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims][3];

  Walk(const View& shape_of, const View& v0, const View& v1, const View& v2, int axis_)
      : ndim(shape_of.ndim), axis(axis_) {
    NABLA_CHECK(ndim <= kMaxDims, "indexing", "tensors with more than ", kMaxDims, " dims are not supported");
    const View* v[3] = {&v0, &v1, &v2};
    for (int d = 0; d < ndim; ++d) {
      shape[d] = shape_of.shape[d];
      numel *= shape[d];
      for (int k = 0; k < 3; ++k) strides[d][k] = (v[k]->strides && d < v[k]->ndim) ? v[k]->strides[d] : 0;
    }
  }
  // Offsets of the three views at position i; returns the coordinate on axis.
  __device__ int64_t at(int64_t i, int64_t (&off)[3]) const {
    off[0] = off[1] = off[2] = 0;
    int64_t axis_coord = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t c = i % shape[d];
      i /= shape[d];
      if (d == axis) axis_coord = c;
      for (int k = 0; k < 3; ++k) off[k] += c * strides[d][k];
    }
    return axis_coord;
  }
};

template <class T>
__device__ void atomic_accumulate(T* p, T v) {
  if constexpr (std::is_same<T, bool>::value) {
    if (v) *p = true;  // every writer writes true: no atomic needed
  } else if constexpr (std::is_same<T, int64_t>::value) {
    // two's complement: the unsigned sum has the signed sum's bits
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
  } else {
    atomicAdd(p, v);
  }
}

#define NABLA_GRID_STRIDE(i, n)                                                          \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

// Walk over index: views (out, in, index).
template <class T>
__global__ void gather_kernel(T* out, const T* in, const int64_t* index, Walk w, int64_t in_axis_stride) {
  NABLA_GRID_STRIDE(i, w.numel) {
    int64_t off[3];
    const int64_t c = w.at(i, off);
    out[off[0]] = in[off[1] + (index[off[2]] - c) * in_axis_stride];
  }
}

// Walk over index: views (out, src, index).
template <class T>
__global__ void scatter_add_kernel(T* out, const T* src, const int64_t* index, Walk w, int64_t out_axis_stride) {
  NABLA_GRID_STRIDE(i, w.numel) {
    int64_t off[3];
    const int64_t c = w.at(i, off);
    atomic_accumulate(out + off[0] + (index[off[2]] - c) * out_axis_stride, src[off[1]]);
  }
}

// Walk over out: views (out, in, -).
template <class T>
__global__ void index_select_kernel(T* out, const T* in, const int64_t* index, int64_t index_stride, Walk w,
                                    int64_t in_axis_stride) {
  NABLA_GRID_STRIDE(i, w.numel) {
    int64_t off[3];
    const int64_t c = w.at(i, off);
    out[off[0]] = in[off[1] + (index[c * index_stride] - c) * in_axis_stride];
  }
}

// Walk over src: views (out, src, -).
template <class T>
__global__ void index_add_kernel(T* out, const T* src, const int64_t* index, int64_t index_stride, Walk w,
                                 int64_t out_axis_stride) {
  NABLA_GRID_STRIDE(i, w.numel) {
    int64_t off[3];
    const int64_t c = w.at(i, off);
    atomic_accumulate(out + off[0] + (index[c * index_stride] - c) * out_axis_stride, src[off[1]]);
  }
}

// The CPU's comparator: NaN last ascending, first descending.
template <class T>
__device__ bool sorts_before(T x, T y, bool descending) {
  if (descending) {
    if (y != y) return false;
    if (x != x) return true;
    return x > y;
  }
  if (x != x) return false;
  if (y != y) return true;
  return x < y;
}

// A stable sort by ranks: element i of a row goes to position
// #{j : row[j] before row[i]} + #{j < i : row[j] equivalent to row[i]}.
// O(n) per element: simple, and fast enough for the rows nabla sorts
// (top-k, medians); a radix sort would be the next step for long rows.
template <class T>
__global__ void sort_rows_kernel(T* values, int64_t* indices, const T* original, int64_t rows, int64_t n,
                                 bool descending) {
  NABLA_GRID_STRIDE(t, rows * n) {
    const int64_t r = t / n, i = t % n;
    const T* row = original + r * n;
    const T v = row[i];
    int64_t rank = 0;
    for (int64_t j = 0; j < n; ++j) {
      const T u = row[j];
      if (sorts_before(u, v, descending) || (j < i && !sorts_before(v, u, descending))) ++rank;
    }
    values[r * n + rank] = v;
    indices[r * n + rank] = i;
  }
}

template <class T, class Kernel, class... Args>
void launch(Kernel kernel, int64_t n, Args... args) {
  if (n == 0) return;
  kernel<<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(args...);
  NABLA_CUDA_CHECK(cudaGetLastError());
}

const View kNone{};

}  // namespace

void gather(const View& out, const View& in, const View& index, int axis) {
  rt::check_same_device("gather", out, in);
  rt::check_same_device("gather", out, index);
  rt::DeviceGuard guard(out.device.index);
  const Walk w(index, out, in, index, axis);
  NABLA_DISPATCH_ALL(in.dtype, T,
                     launch<T>(&gather_kernel<T>, w.numel, static_cast<T*>(out.data), static_cast<const T*>(in.data),
                               static_cast<const int64_t*>(index.data), w, in.strides[axis]));
}

void scatter_add(const View& out, const View& index, const View& src, int axis) {
  rt::check_same_device("scatter_add", out, index);
  rt::check_same_device("scatter_add", out, src);
  rt::DeviceGuard guard(out.device.index);
  const Walk w(index, out, src, index, axis);
  NABLA_DISPATCH_ALL(
      out.dtype, T,
      launch<T>(&scatter_add_kernel<T>, w.numel, static_cast<T*>(out.data), static_cast<const T*>(src.data),
                static_cast<const int64_t*>(index.data), w, out.strides[axis]));
}

void index_select(const View& out, const View& in, const View& index, int axis) {
  rt::check_same_device("index_select", out, in);
  rt::check_same_device("index_select", out, index);
  rt::DeviceGuard guard(out.device.index);
  const Walk w(out, out, in, kNone, axis);
  NABLA_DISPATCH_ALL(
      in.dtype, T,
      launch<T>(&index_select_kernel<T>, w.numel, static_cast<T*>(out.data), static_cast<const T*>(in.data),
                static_cast<const int64_t*>(index.data), index.strides[0], w, in.strides[axis]));
}

void index_add(const View& out, const View& index, const View& src, int axis) {
  rt::check_same_device("index_add", out, index);
  rt::check_same_device("index_add", out, src);
  rt::DeviceGuard guard(out.device.index);
  const Walk w(src, out, src, kNone, axis);
  NABLA_DISPATCH_ALL(
      out.dtype, T,
      launch<T>(&index_add_kernel<T>, w.numel, static_cast<T*>(out.data), static_cast<const T*>(src.data),
                static_cast<const int64_t*>(index.data), index.strides[0], w, out.strides[axis]));
}

void sort_rows(const View& values, const View& indices, bool descending) {
  rt::check_same_device("sort_rows", values, indices);
  rt::DeviceGuard guard(values.device.index);
  const int64_t n = values.ndim == 0 ? 1 : values.shape[values.ndim - 1];
  const int64_t rows = n == 0 ? 0 : values.numel() / n;
  if (rows == 0) return;
  const size_t nbytes = static_cast<size_t>(rows * n) * dtype_size(values.dtype);
  rt::DeviceBuffer original(nbytes, values.device.index);  // the rows before sorting
  NABLA_CUDA_CHECK(
      cudaMemcpyAsync(original.get(), values.data, nbytes, cudaMemcpyDeviceToDevice, rt::current_stream()));
  NABLA_DISPATCH_ALL(
      values.dtype, T,
      launch<T>(&sort_rows_kernel<T>, rows * n, static_cast<T*>(values.data), static_cast<int64_t*>(indices.data),
                static_cast<const T*>(original.get()), rows, n, descending));
}

}  // namespace nabla::kernels::cuda
