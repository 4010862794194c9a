#include "allocator.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace nabla::cpu_allocator {
namespace {

constexpr size_t kAlign = 64;  // a cache line, and enough for AVX-512 loads
constexpr size_t kMiB = size_t(1) << 20;

size_t size_class(size_t n) {
  if (n <= kAlign) return kAlign;
  if (n <= kMiB) {
    size_t c = kAlign;
    while (c < n) c <<= 1;
    return c;
  }
  return (n + kMiB - 1) / kMiB * kMiB;
}

// Small classes (64 B .. 1 MiB, powers of two) index an array directly; the
// rare big ones go through a map.
constexpr int kSmallClasses = 15;
int small_index(size_t cls) { return __builtin_ctzll(cls) - 6; }  // 64 B -> 0

struct Cache {
  std::mutex mutex;
  std::vector<void*> small[kSmallClasses];
  std::unordered_map<size_t, std::vector<void*>> big;
  AllocatorStats stats;
  std::vector<void*>& list(size_t cls) { return cls <= kMiB ? small[small_index(cls)] : big[cls]; }
};

// Blocks of at least one huge page (a dataset, big weights and their
// gradients) start on a 2 MiB boundary and ask the kernel for transparent
// huge pages (Linux's default THP mode, "madvise", gives them only to
// regions that ask). A training loop that gathers random rows of a 188 MB
// dataset otherwise takes a TLB miss on almost every row: with huge pages,
// mlp-fmnist's batch gather took 13-15 us instead of 17-21 us (2026-11-22).
constexpr size_t kHugePage = size_t(2) << 20;

void* system_allocate(size_t cls) {
  if (cls < kHugePage) return std::aligned_alloc(kAlign, cls);
  const size_t bytes = (cls + kHugePage - 1) / kHugePage * kHugePage;  // aligned_alloc wants a multiple
  void* p = std::aligned_alloc(kHugePage, bytes);
  if (p) madvise(p, bytes, MADV_HUGEPAGE);  // advice only: an error changes nothing
  return p;
}

// Leaked on purpose: tensors held in static objects may be freed after main().
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

}  // namespace

void* allocate(size_t nbytes) {
  size_t cls = size_class(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.stats.allocs++;
    c.stats.bytes_in_use += cls;
    if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
    std::vector<void*>& blocks = c.list(cls);
    if (!blocks.empty()) {
      void* p = blocks.back();
      blocks.pop_back();
      c.stats.bytes_cached -= cls;
      return p;
    }
    c.stats.system_allocs++;
  }
  void* p = system_allocate(cls);
  if (!p) {
    empty_cache();  // give the cache back and try once more before failing
    p = system_allocate(cls);
    if (!p) throw std::bad_alloc();
  }
  return p;
}

void deallocate(void* ptr, size_t nbytes) {
  if (!ptr) return;
  size_t cls = size_class(nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.bytes_in_use -= cls;
  c.stats.bytes_cached += cls;
  c.list(cls).push_back(ptr);
}

AllocatorStats stats() {
  std::lock_guard<std::mutex> lock(cache().mutex);
  return cache().stats;
}

void reset_peak() {
  std::lock_guard<std::mutex> lock(cache().mutex);
  cache().stats.peak_bytes_in_use = cache().stats.bytes_in_use;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto& blocks : c.small) {
    for (void* p : blocks) std::free(p);
    blocks.clear();
  }
  for (auto& [cls, blocks] : c.big) {
    for (void* p : blocks) std::free(p);
    blocks.clear();
  }
  c.stats.bytes_cached = 0;
}

}  // namespace nabla::cpu_allocator
