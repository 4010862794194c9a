// make_pooled<T>(args...): std::make_shared, but the memory (object and
// control block in one block) comes from a per-thread free list.
//
// Why: every recorded op creates a TensorImpl, a Storage and an autograd
// Node and frees them a moment later, thousands at a time. Those bursts
// overflow malloc's small per-thread caches and take its slow path; a free
// list of exactly-sized blocks makes both ends a few instructions.
// (Internal header: not part of the public API.)
#pragma once
#include <cstddef>
#include <memory>
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

template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) {}  // NOLINT: rebinding, as allocate_shared needs
  static_assert(alignof(T) <= 16, "pooled blocks are 16-byte aligned");
  static constexpr bool kPooled = sizeof(T) <= kMaxPooledBytes;
  T* allocate(size_t n) {
    if (kPooled && n == 1) return static_cast<T*>(pool_get(pool_class(sizeof(T))));
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(16)));
  }
  void deallocate(T* p, size_t n) {
    if (kPooled && n == 1)
      pool_put(p, pool_class(sizeof(T)));
    else
      ::operator delete(p, std::align_val_t(16));
  }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const PoolAllocator<U>&) const {
    return false;
  }
};

template <class T, class... Args>
std::shared_ptr<T> make_pooled(Args&&... args) {
  return std::allocate_shared<T>(PoolAllocator<T>(), std::forward<Args>(args)...);
}

}  // namespace nabla::detail
