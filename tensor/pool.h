// pool_allocate / pool_deallocate: memory blocks for the small objects every
// recorded op makes and frees a moment later (a TensorImpl with its Storage,
// an autograd Node), from per-thread free lists.
//
// Why: those objects come and go thousands at a time. Such bursts overflow
// malloc's small per-thread caches and take its slow path; a free list of
// exactly-sized blocks makes both ends a few instructions.
// (Internal header: not part of the public API.)
#pragma once
#include <cstddef>
#include <new>
#include <utility>

namespace nabla::detail {

// Per-thread free lists of blocks, one per 16-byte size class up to
// kMaxPooledBytes (bigger blocks go to operator new). Blocks freed on
// another thread join that thread's list. Defined in pool.cpp, where the
// thread-local lists can use the fast initial-exec TLS model.
constexpr size_t kMaxPooledBytes = 1024;
constexpr size_t kPoolClassBytes = 16;
// The size class of a block of `bytes` (known at compile time for a type).
constexpr size_t pool_class(size_t bytes) { return (bytes + kPoolClassBytes - 1) / kPoolClassBytes - 1; }
void* pool_get(size_t cls);  // a block of class `cls`
void pool_put(void* p, size_t cls);

// A 16-byte aligned block of `bytes`; give it back with the same size.
inline void* pool_allocate(size_t bytes) {
  if (bytes <= kMaxPooledBytes) return pool_get(pool_class(bytes));
  return ::operator new(bytes, std::align_val_t(16));
}
inline void pool_deallocate(void* p, size_t bytes) {
  if (bytes <= kMaxPooledBytes)
    pool_put(p, pool_class(bytes));
  else
    ::operator delete(p, std::align_val_t(16));
}

// new T(args...) in a pooled block; the block goes back if T's constructor throws.
template <class T, class... Args>
T* pool_new(Args&&... args) {
  static_assert(alignof(T) <= 16, "pooled blocks are 16-byte aligned");
  void* block = pool_allocate(sizeof(T));
  try {
    return new (block) T(std::forward<Args>(args)...);
  } catch (...) {
    pool_deallocate(block, sizeof(T));
    throw;
  }
}

}  // namespace nabla::detail
