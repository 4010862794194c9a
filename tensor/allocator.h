// The CPU caching allocator behind every tensor's storage.
//
// Why: a training step creates and frees the same tensor sizes every step.
// Freed blocks go back to a free list for their size class instead of to the
// system, so after the first step a training loop makes no system allocations
// (stats().system_allocs stops growing). Size classes: powers of two up to
// 1 MiB, then whole MiB, so a reused block wastes at most half of itself for
// small tensors and less than 1 MiB for big ones.
#pragma once
#include <cstddef>
#include <cstdint>

namespace nabla {

struct AllocatorStats {
  int64_t bytes_in_use = 0;  // bytes of live tensor blocks (size-class rounded)
  int64_t peak_bytes_in_use = 0;
  int64_t bytes_cached = 0;   // bytes held in free lists, ready for reuse
  int64_t system_allocs = 0;  // how many times the system allocator was called
  int64_t allocs = 0;         // how many blocks were handed out in all
};

namespace cpu_allocator {
void* allocate(size_t nbytes);              // 64-byte aligned; never returns null
void deallocate(void* ptr, size_t nbytes);  // nbytes as passed to allocate
AllocatorStats stats();
void reset_peak();
void empty_cache();  // returns all cached blocks to the system
}  // namespace cpu_allocator

}  // namespace nabla
