// The CUDA runtime as the CUDA kernels see it (internal: only kernels/cuda/
// includes this; tensor/ talks to the backend through tensor/cuda_backend.h).
//
//   NABLA_CUDA_CHECK(cudaMemcpyAsync(...));      // any error -> nabla::Error
//   DeviceGuard guard(view.device.index);        // run on that device
//   kernel<<<grid, block, 0, current_stream()>>>(...);
//   NABLA_CUDA_CHECK(cudaGetLastError());        // after every launch
//
// Streams: every thread gets its own stream per device, created on first use
// (non-blocking: it does not wait for the legacy default stream). All kernels,
// copies and cuBLAS calls of a thread go to that stream, so one thread's
// work runs in order and threads do not serialise each other. A tensor handed
// to another thread must be synchronised first (cuda::synchronize()), as in
// PyTorch with its per-thread current stream.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "../../tensor/error.h"
#include "../view.h"

namespace nabla::cuda::detail {

// Throws nabla::Error("CUDA error at FILE:LINE: <expr>: <cudaGetErrorString>").
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* expr, const char* file, int line);

inline void check(cudaError_t err, const char* expr, const char* file, int line) {
  if (__builtin_expect(err != cudaSuccess, 0)) throw_cuda_error(err, expr, file, line);
}

int current_device();
// The calling thread's stream on the current device (created on first use).
cudaStream_t current_stream();

// Makes `device` current for the guard's lifetime (no runtime call when it
// already is).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

// Threads per block for the elementwise-style kernels, and the grid for n
// elements (grid-stride loops cover the rest when n is huge).
constexpr int kBlock = 256;
inline unsigned grid_for(int64_t n, int block = kBlock) {
  const int64_t blocks = (n + block - 1) / block;
  const int64_t cap = int64_t(1) << 20;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > cap ? cap : blocks));
}

// Every view with data must be on the same CUDA device as `first`: mixing
// devices is an Error naming both (the autograd ops check this first; this
// catches direct kernel calls).
void check_same_device(const char* op, const kernels::View& first, const kernels::View& other);

// True when the view is C-contiguous (size-1 dims may have any stride).
bool is_dense(const kernels::View& v);

}  // namespace nabla::cuda::detail

#define NABLA_CUDA_CHECK(expr) ::nabla::cuda::detail::check((expr), #expr, __FILE__, __LINE__)

#include "../../tensor/cuda_backend.h"

namespace nabla::cuda::detail {

// Scratch memory from the caching allocator for the lifetime of a scope
// (stream-ordered: freeing it while a queued kernel still uses it is safe).
class DeviceBuffer {
 public:
  DeviceBuffer(size_t nbytes, int device) : ptr_(allocate(nbytes, device)), device_(device) {}
  ~DeviceBuffer() { deallocate(ptr_, device_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return ptr_; }

 private:
  void* ptr_;
  int device_;
};

// Row-major strides (in elements) of `shape` into `strides`.
inline void contiguous_strides(int ndim, const int64_t* shape, int64_t* strides) {
  int64_t s = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    strides[d] = s;
    s *= shape[d];
  }
}

// out = in where the two views are on different devices (kernels/cuda/transfer.cu):
// host <-> device through pinned staging buffers, device <-> device by peer copy.
void copy_across_devices(const kernels::View& out, const kernels::View& in);

}  // namespace nabla::cuda::detail
