// The CUDA device from C++: is there a GPU, which one is current, wait for
// it, and how much of its memory nabla's tensors use. Works in every build:
// without the CUDA backend, or without a GPU/driver, is_available() is false,
// device_count() is 0, the memory statistics are 0 and synchronize() does
// nothing; set_device() throws.
//
//   Tensor x = randn({1024, 1024}).to(Device::cuda());
//   Tensor y = matmul(x, x);              // queued on this thread's stream
//   cuda::synchronize();                  // wait for it (e.g. before timing)
//   cuda::memory_allocated();             // bytes held by live CUDA tensors
#pragma once
#include <cstdint>

namespace nabla::cuda {

bool is_available();
int device_count();
bool built_with_cuda();  // was the CUDA backend compiled in?

// The device a Device::cuda() without index means for kernels launched by
// this thread (CUDA's current device). Tensors carry their own index.
int current_device();
void set_device(int device);

// Blocks until all work queued on `device` (-1: the current one) by any
// thread has finished. Copies to the CPU (Tensor::to, item()) synchronise by
// themselves; this is for timing and for handing tensors between threads.
void synchronize(int device = -1);

// The caching allocator's statistics for one device, in bytes. Blocks are
// rounded to size classes (powers of two up to 1 MiB, then 2 MiB steps), so
// allocated bytes are the rounded sizes. "reserved" adds the freed blocks
// kept for reuse; empty_cache() gives those back to the driver (all devices).
int64_t memory_allocated(int device = 0);
int64_t max_memory_allocated(int device = 0);
int64_t memory_reserved(int device = 0);
void reset_peak_memory_stats(int device = 0);
void empty_cache();

// TF32 for float32 matmuls on Ampere and newer: about 8x the throughput of
// full float32, with a 10-bit mantissa for the products (sums stay float32).
// Off by default, like PyTorch's torch.backends.cuda.matmul.allow_tf32, so
// float32 results match the CPU to float32 rounding. Applies to every thread.
void set_allow_tf32(bool allow);
bool allow_tf32();

}  // namespace nabla::cuda
