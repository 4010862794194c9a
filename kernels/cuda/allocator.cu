// The caching allocator for CUDA memory (tensor/cuda_backend.h).
//
// Why: cudaMalloc and cudaFree are slow (cudaFree synchronises the whole
// device), and a training step allocates and frees the same sizes every step.
// Freed blocks go to a free list instead, keyed by (device, stream, size
// class), the CUDA twin of tensor/allocator.cpp.
//
// Streams: a block belongs to the stream of the thread that allocated it
// (runtime.h: one stream per thread). Work on one stream runs in order, so a
// block freed while a kernel queued earlier on that stream still reads it can
// be handed out again at once: whatever the next owner queues runs after that
// kernel. It is only reused on its own stream, never on another thread's.
//
// Size classes: powers of two from 512 B up to 1 MiB, then multiples of
// 2 MiB, so a reused block wastes at most half of itself when small and less
// than 2 MiB when big. On cudaMalloc failure the cache is given back to the
// driver and the allocation tried once more before throwing.
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "../../tensor/cuda_backend.h"
#include "runtime.h"

namespace nabla::cuda::detail {
namespace {

constexpr size_t kMinBlock = 512;
constexpr size_t kMiB = size_t(1) << 20;

size_t size_class(size_t n) {
  if (n <= kMinBlock) return kMinBlock;
  if (n <= kMiB) {
    size_t c = kMinBlock;
    while (c < n) c <<= 1;
    return c;
  }
  return (n + 2 * kMiB - 1) / (2 * kMiB) * (2 * kMiB);
}

struct Block {
  size_t size;  // the size class
  int device;
  cudaStream_t stream;
};

struct DeviceStats {
  int64_t allocated = 0, peak = 0, reserved = 0;
};

struct Cache {
  std::mutex mutex;
  // Free blocks: (device, stream, size class) -> pointers.
  std::map<std::tuple<int, cudaStream_t, size_t>, std::vector<void*>> free_blocks;
  std::unordered_map<void*, Block> live;  // handed out, by pointer
  std::vector<DeviceStats> stats;         // by device index
  DeviceStats& stats_for(int device) {
    if (static_cast<int>(stats.size()) <= device) stats.resize(static_cast<size_t>(device) + 1);
    return stats[static_cast<size_t>(device)];
  }
};

// Leaked on purpose: tensors held in static objects may be freed after
// main(), when a destroyed cache would crash (and the driver is going away).
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

// Frees every cached block of every device (the caller holds the mutex).
void release_cached(Cache& c) {
  for (auto& [key, blocks] : c.free_blocks) {
    const int device = std::get<0>(key);
    const size_t size = std::get<2>(key);
    DeviceGuard guard(device);
    for (void* p : blocks) {
      NABLA_CUDA_CHECK(cudaFree(p));  // synchronises the device: no kernel still uses p
      c.stats_for(device).reserved -= static_cast<int64_t>(size);
    }
  }
  c.free_blocks.clear();
}

}  // namespace

void* allocate(size_t nbytes, int device) {
  if (nbytes == 0) return nullptr;
  DeviceGuard guard(device);
  const cudaStream_t stream = current_stream();
  const size_t cls = size_class(nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  DeviceStats& s = c.stats_for(device);
  void* p = nullptr;
  auto it = c.free_blocks.find({device, stream, cls});
  if (it != c.free_blocks.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
  } else {
    cudaError_t err = cudaMalloc(&p, cls);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // clear it, give the cache back, try once more
      release_cached(c);
      err = cudaMalloc(&p, cls);
    }
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw Error("CUDA out of memory: allocating " + std::to_string(cls) + " bytes on cuda:" + std::to_string(device) +
                  " (" + std::to_string(s.allocated) + " bytes held by live tensors)");
    }
    NABLA_CUDA_CHECK(err);
    s.reserved += static_cast<int64_t>(cls);
  }
  c.live[p] = Block{cls, device, stream};
  s.allocated += static_cast<int64_t>(cls);
  if (s.allocated > s.peak) s.peak = s.allocated;
  return p;
}

void deallocate(void* ptr, int device) {
  if (!ptr) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.live.find(ptr);
  if (it == c.live.end()) return;  // not ours: nothing to do (cannot throw from a destructor)
  const Block b = it->second;
  c.live.erase(it);
  (void)device;  // the block knows its device
  c.stats_for(b.device).allocated -= static_cast<int64_t>(b.size);
  c.free_blocks[{b.device, b.stream, b.size}].push_back(ptr);
}

int64_t memory_allocated(int device) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return device < 0 ? 0 : c.stats_for(device).allocated;
}

int64_t max_memory_allocated(int device) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return device < 0 ? 0 : c.stats_for(device).peak;
}

int64_t memory_reserved(int device) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return device < 0 ? 0 : c.stats_for(device).reserved;
}

void reset_peak_memory_stats(int device) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (device >= 0) c.stats_for(device).peak = c.stats_for(device).allocated;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  release_cached(c);
}

}  // namespace nabla::cuda::detail
