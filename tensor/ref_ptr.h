// RefPtr<T>: a reference-counted pointer whose count lives inside the object
// (an "intrusive" pointer), for the three objects every recorded op makes:
// TensorImpl, Storage and autograd::Node.
//
// Why not std::shared_ptr: a shared_ptr is two pointers (object + control
// block) and frees through two virtual calls. A RefPtr is one pointer, and
// the object's own `refs` field is the count, so copying a Tensor handle is
// one increment and freeing it is one decrement and, at zero, one direct
// call to ref_destroy(T*). That also lets a fresh tensor and its storage
// share one memory block (tensor/tensor.cpp), which a control block cannot.
//
// A type T works with RefPtr when it has a `RefCount refs` member (starting
// at 1: the creator's reference, taken over by RefPtr<T>::adopt) and a free
// function `void ref_destroy(T*)` next to it, found by argument-dependent
// lookup, that destroys the object and frees its memory.
#pragma once
#include <atomic>
#include <cstddef>
#include <type_traits>
#include <utility>
#if defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>  // glibc >= 2.32
#define NABLA_HAS_SINGLE_THREADED 1
#endif
#endif

namespace nabla {

// The count. A program that has never started a second thread updates it
// with plain loads and stores; from the first pthread_create on, with atomic
// read-modify-writes (libstdc++'s shared_ptr makes the same choice). A
// locked add costs ~20 cycles, and every op changes several counts.
class RefCount {
 public:
  RefCount() = default;
  RefCount(const RefCount&) = delete;
  RefCount& operator=(const RefCount&) = delete;

  // Always inlined: a call would cost more than the count change itself,
  // and GCC's heuristics leave some of these calls out of line.
  [[gnu::always_inline]] void increment() {
    if (single_threaded())
      n_.store(n_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    else
      n_.fetch_add(1, std::memory_order_relaxed);
  }
  // True when this was the last reference.
  [[gnu::always_inline]] bool decrement() {
    if (single_threaded()) {
      const int left = n_.load(std::memory_order_relaxed) - 1;
      n_.store(left, std::memory_order_relaxed);
      return left == 0;
    }
    // acq_rel: the thread that frees the object sees every write the other
    // owners made before letting go.
    return n_.fetch_sub(1, std::memory_order_acq_rel) == 1;
  }
  int count() const { return n_.load(std::memory_order_relaxed); }

 private:
  static bool single_threaded() {
#ifdef NABLA_HAS_SINGLE_THREADED
    return __libc_single_threaded;
#else
    return false;
#endif
  }
  std::atomic<int> n_{1};
};

template <class T>
class RefPtr {
 public:
  RefPtr() = default;
  RefPtr(std::nullptr_t) {}  // NOLINT: implicit, as for shared_ptr
  // Takes over the creator's reference of a freshly made object.
  static RefPtr adopt(T* p) {
    RefPtr r;
    r.p_ = p;
    return r;
  }
  RefPtr(const RefPtr& o) : p_(o.p_) {
    if (p_) p_->refs.increment();
  }
  RefPtr(RefPtr&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  // A pointer to a derived type converts, as FunctionNode<F> -> Node.
  template <class U, class = std::enable_if_t<std::is_convertible<U*, T*>::value>>
  RefPtr(RefPtr<U>&& o) noexcept : p_(o.release()) {}  // NOLINT: implicit, as for shared_ptr
  RefPtr& operator=(const RefPtr& o) {
    RefPtr(o).swap(*this);
    return *this;
  }
  RefPtr& operator=(RefPtr&& o) noexcept {
    RefPtr(std::move(o)).swap(*this);
    return *this;
  }
  ~RefPtr() { drop(p_); }

  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  int use_count() const { return p_ ? p_->refs.count() : 0; }
  void reset() {
    T* p = p_;
    p_ = nullptr;
    drop(p);
  }
  // Gives up the reference without dropping it: the caller now owns it.
  T* release() {
    T* p = p_;
    p_ = nullptr;
    return p;
  }
  void swap(RefPtr& o) noexcept { std::swap(p_, o.p_); }

  friend bool operator==(const RefPtr& a, const RefPtr& b) { return a.p_ == b.p_; }
  friend bool operator!=(const RefPtr& a, const RefPtr& b) { return a.p_ != b.p_; }
  friend bool operator==(const RefPtr& a, std::nullptr_t) { return a.p_ == nullptr; }
  friend bool operator!=(const RefPtr& a, std::nullptr_t) { return a.p_ != nullptr; }

 private:
  static void drop(T* p) {
    if (p && p->refs.decrement()) ref_destroy(p);
  }
  T* p_ = nullptr;
};

}  // namespace nabla
