// What tensor/ needs from the CUDA backend, as plain C++ (internal: tensor/
// never includes CUDA headers). kernels/cuda/ implements these; they exist
// only in builds with the backend (NABLA_CUDA_RUNTIME), and tensor/cuda.cpp
// and tensor/storage.cpp call them only there.
#pragma once
#include <cstddef>
#include <cstdint>

namespace nabla::cuda::detail {

int device_count_from_runtime();  // 0 on any error (no driver, no device)
int get_device();
void set_device(int device);
void synchronize(int device);  // device < 0: the current one

// The caching allocator (kernels/cuda/allocator.cu). Blocks belong to the
// stream of the thread that allocated them and are reused in that stream's
// order, so freeing a block a kernel still reads is safe.
void* allocate(size_t nbytes, int device);  // never null for nbytes > 0; throws nabla::Error when out of memory
void deallocate(void* ptr, int device);
int64_t memory_allocated(int device);
int64_t max_memory_allocated(int device);
int64_t memory_reserved(int device);
void reset_peak_memory_stats(int device);
void empty_cache();

// cuBLAS TF32 switch (kernels/cuda/matmul.cu).
void set_allow_tf32(bool allow);
bool allow_tf32();

}  // namespace nabla::cuda::detail
