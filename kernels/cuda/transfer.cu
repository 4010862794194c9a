// Copies between devices: what Tensor::to(device) and copy_ across devices
// run (kernels::copy sends any copy with a CUDA side here).
//
//   host -> device: the source is laid out contiguously, in the output's
//     dtype, in a pinned (page-locked) staging buffer on the host, then one
//     cudaMemcpyAsync on the thread's stream moves it. The upload does not
//     wait: the staging buffer records an event and is reused only once that
//     event has passed.
//   device -> host: the source is made contiguous on the device first (one
//     kernel), copied in one piece, and the stream synchronised before the
//     host reads it: a result on the CPU is always ready.
//   device -> device (two GPUs): contiguous on the source device, one peer
//     copy, then laid out on the destination.
#include <memory>
#include <mutex>
#include <vector>

#include "../cpu/cpu_kernels.h"
#include "cuda_kernels.h"
#include "runtime.h"

namespace nabla::cuda::detail {
namespace {

using kernels::View;

// Page-locked host buffers, reused. Pinned memory is what lets a copy run
// asynchronously (and at full bus speed); allocating it is slow, hence the pool.
class PinnedPool {
 public:
  struct Buffer {
    void* ptr = nullptr;
    size_t size = 0;
    int device = 0;              // the event belongs to this device
    cudaEvent_t done = nullptr;  // recorded after the last copy that used ptr
    bool busy = false;
  };

  // A buffer of at least nbytes for a copy on `device` (the current one).
  Buffer* acquire(size_t nbytes, int device) {
    std::lock_guard<std::mutex> lock(mutex_);
    Buffer* best = nullptr;
    for (auto& b : buffers_)
      if (!b->busy && b->device == device && b->size >= nbytes && (!best || b->size < best->size)) best = b.get();
    if (best) {
      NABLA_CUDA_CHECK(cudaEventSynchronize(best->done));  // its last copy has finished
    } else {
      auto b = std::make_unique<Buffer>();
      b->size = 4096;
      while (b->size < nbytes) b->size <<= 1;
      b->device = device;
      NABLA_CUDA_CHECK(cudaHostAlloc(&b->ptr, b->size, cudaHostAllocPortable));
      NABLA_CUDA_CHECK(cudaEventCreateWithFlags(&b->done, cudaEventDisableTiming));
      best = b.get();
      buffers_.push_back(std::move(b));
    }
    best->busy = true;
    return best;
  }

  // Gives the buffer back once the work queued on `stream` so far is done.
  void release(Buffer* b, cudaStream_t stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    cudaError_t err = cudaEventRecord(b->done, stream);
    b->busy = false;
    NABLA_CUDA_CHECK(err);
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
};

// Leaked on purpose, like the allocator's cache (used until the very end).
PinnedPool& pinned_pool() {
  static PinnedPool* p = new PinnedPool;
  return *p;
}

// Holds a staging buffer for one scope; gives it back even on an exception.
class Staging {
 public:
  Staging(size_t nbytes, int device) : buffer_(pinned_pool().acquire(nbytes, device)) {}
  ~Staging() {
    try {
      pinned_pool().release(buffer_, current_stream());
    } catch (...) {  // a destructor must not throw; a failed record leaves the buffer reusable
    }
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  void* get() const { return buffer_->ptr; }

 private:
  PinnedPool::Buffer* buffer_;
};

size_t bytes_of(const View& v, DType dtype) { return static_cast<size_t>(v.numel()) * dtype_size(dtype); }

void upload(const View& out, const View& in) {
  DeviceGuard guard(out.device.index);
  const size_t nbytes = bytes_of(out, out.dtype);
  if (nbytes == 0) return;
  int64_t strides[kernels::kMaxDims];
  contiguous_strides(out.ndim, out.shape, strides);
  cudaStream_t stream = current_stream();
  Staging staging(nbytes, out.device.index);
  // Contiguous, converted and broadcast on the host, by the CPU copy kernel.
  kernels::cpu::copy(View{staging.get(), out.dtype, Device::cpu(), out.ndim, out.shape, strides}, in);
  if (is_dense(out)) {
    NABLA_CUDA_CHECK(cudaMemcpyAsync(out.data, staging.get(), nbytes, cudaMemcpyHostToDevice, stream));
    return;
  }
  DeviceBuffer tmp(nbytes, out.device.index);
  NABLA_CUDA_CHECK(cudaMemcpyAsync(tmp.get(), staging.get(), nbytes, cudaMemcpyHostToDevice, stream));
  kernels::cuda::copy(out, View{tmp.get(), out.dtype, out.device, out.ndim, out.shape, strides});
}

void download(const View& out, const View& in) {
  DeviceGuard guard(in.device.index);
  const size_t nbytes = bytes_of(out, in.dtype);
  if (nbytes == 0) return;
  int64_t strides[kernels::kMaxDims];
  contiguous_strides(out.ndim, out.shape, strides);
  cudaStream_t stream = current_stream();
  // The source in one contiguous piece on the device (in has out's shape,
  // maybe with broadcast or transposed strides).
  std::unique_ptr<DeviceBuffer> tmp;
  const void* src = in.data;
  if (!is_dense(in)) {
    tmp = std::make_unique<DeviceBuffer>(nbytes, in.device.index);
    kernels::cuda::copy(View{tmp->get(), in.dtype, in.device, out.ndim, out.shape, strides}, in);
    src = tmp->get();
  }
  if (is_dense(out) && out.dtype == in.dtype) {
    NABLA_CUDA_CHECK(cudaMemcpyAsync(out.data, src, nbytes, cudaMemcpyDeviceToHost, stream));
    NABLA_CUDA_CHECK(cudaStreamSynchronize(stream));
    return;
  }
  Staging staging(nbytes, in.device.index);
  NABLA_CUDA_CHECK(cudaMemcpyAsync(staging.get(), src, nbytes, cudaMemcpyDeviceToHost, stream));
  NABLA_CUDA_CHECK(cudaStreamSynchronize(stream));
  kernels::cpu::copy(out, View{staging.get(), in.dtype, Device::cpu(), out.ndim, out.shape, strides});
}

void peer(const View& out, const View& in) {
  const size_t nbytes = bytes_of(out, out.dtype);
  if (nbytes == 0) return;
  int64_t strides[kernels::kMaxDims];
  contiguous_strides(out.ndim, out.shape, strides);
  // Work already queued on the destination (that may read or write out) goes first.
  {
    DeviceGuard guard(out.device.index);
    NABLA_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
  }
  DeviceBuffer src(nbytes, in.device.index);  // in's values, contiguous, in out's dtype
  DeviceBuffer dst(nbytes, out.device.index);
  {
    DeviceGuard guard(in.device.index);
    kernels::cuda::copy(View{src.get(), out.dtype, in.device, out.ndim, out.shape, strides}, in);
    cudaStream_t stream = current_stream();
    NABLA_CUDA_CHECK(cudaMemcpyPeerAsync(dst.get(), out.device.index, src.get(), in.device.index, nbytes, stream));
    NABLA_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  DeviceGuard guard(out.device.index);
  kernels::cuda::copy(out, View{dst.get(), out.dtype, out.device, out.ndim, out.shape, strides});
}

}  // namespace

void copy_across_devices(const View& out, const View& in) {
  if (in.device.is_cpu())
    upload(out, in);
  else if (out.device.is_cpu())
    download(out, in);
  else
    peer(out, in);
}

}  // namespace nabla::cuda::detail
