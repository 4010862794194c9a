// SmallVector<T, N>: a vector that keeps up to N elements inline.
// Why: every tensor has a shape and strides; with std::vector each would cost a
// heap allocation per op. Shapes rarely exceed 6 dims, so they live inline and
// only unusual tensors spill to the heap.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <new>
#include <type_traits>
#include <utility>

namespace nabla {

template <class T, size_t N>
class SmallVector {
 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  explicit SmallVector(size_t n, const T& value = T()) { assign(n, value); }
  SmallVector(std::initializer_list<T> init) { assign(init.begin(), init.end()); }
  template <class It, class = decltype(*std::declval<It>())>
  SmallVector(It first, It last) {
    assign(first, last);
  }
  SmallVector(const SmallVector& o) { assign(o.begin(), o.end()); }
  SmallVector(SmallVector&& o) noexcept { move_from(std::move(o)); }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) {
      clear();
      assign(o.begin(), o.end());
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) {
      clear();
      release_heap();
      move_from(std::move(o));
    }
    return *this;
  }
  ~SmallVector() {
    clear();
    release_heap();
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return ptr(); }
  const T* data() const { return ptr(); }
  T* begin() { return ptr(); }
  T* end() { return ptr() + size_; }
  const T* begin() const { return ptr(); }
  const T* end() const { return ptr() + size_; }
  T& operator[](size_t i) { return ptr()[i]; }
  const T& operator[](size_t i) const { return ptr()[i]; }
  T& back() { return ptr()[size_ - 1]; }
  const T& back() const { return ptr()[size_ - 1]; }
  T& front() { return ptr()[0]; }
  const T& front() const { return ptr()[0]; }

  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  template <class... A>
  T& emplace_back(A&&... a) {
    if (size_ == capacity_) grow(size_t(capacity_) * 2);
    T* p = new (ptr() + size_) T(std::forward<A>(a)...);
    ++size_;
    return *p;
  }
  void pop_back() { ptr()[--size_].~T(); }
  void clear() {
    if constexpr (!std::is_trivially_destructible<T>::value)
      for (size_t i = 0; i < size_; ++i) ptr()[i].~T();
    size_ = 0;
  }
  void resize(size_t n, const T& value = T()) {
    if (n > capacity_) grow(n);
    if constexpr (std::is_trivially_copyable<T>::value) {
      for (size_t i = size_; i < n; ++i) ptr()[i] = value;
      size_ = static_cast<uint32_t>(n);
      return;
    }
    while (size_ > n) pop_back();
    while (size_ < n) emplace_back(value);
  }
  void reserve(size_t n) {
    if (n > capacity_) grow(n);
  }
  T* insert(T* pos, const T& v) {
    size_t i = pos - ptr();
    emplace_back(v);
    std::rotate(ptr() + i, ptr() + size_ - 1, ptr() + size_);
    return ptr() + i;
  }
  T* erase(T* pos) {
    std::move(pos + 1, end(), pos);
    pop_back();
    return pos;
  }
  template <class It>
  void assign(It first, It last) {
    clear();
    size_t n = static_cast<size_t>(std::distance(first, last));
    if (n > capacity_) grow(n);
    if constexpr (std::is_trivially_copyable<T>::value) {  // shapes: a plain copy loop
      T* p = ptr();
      for (size_t i = 0; i < n; ++i, ++first) p[i] = *first;
      size_ = static_cast<uint32_t>(n);
    } else {
      for (; first != last; ++first) emplace_back(*first);
    }
  }
  void assign(size_t n, const T& value) {
    clear();
    if (n > capacity_) grow(n);
    for (size_t i = 0; i < n; ++i) emplace_back(value);
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    if (a.size_ != b.size_) return false;
    for (size_t i = 0; i < a.size_; ++i)  // a plain loop: shapes are short, memcmp's call costs more
      if (!(a.ptr()[i] == b.ptr()[i])) return false;
    return true;
  }
  friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }

 private:
  T* ptr() { return heap_ ? heap_ : reinterpret_cast<T*>(inline_); }
  const T* ptr() const { return heap_ ? heap_ : reinterpret_cast<const T*>(inline_); }
  void grow(size_t n) {
    T* fresh = static_cast<T*>(::operator new(n * sizeof(T)));
    for (size_t i = 0; i < size_; ++i) {
      new (fresh + i) T(std::move(ptr()[i]));
      ptr()[i].~T();
    }
    release_heap();
    heap_ = fresh;
    capacity_ = static_cast<uint32_t>(n);
  }
  void release_heap() {
    if (heap_) ::operator delete(heap_);
    heap_ = nullptr;
    capacity_ = N;
  }
  void move_from(SmallVector&& o) {
    if (o.heap_) {
      heap_ = o.heap_;
      size_ = o.size_;
      capacity_ = o.capacity_;
      o.heap_ = nullptr;
      o.size_ = 0;
      o.capacity_ = N;
    } else if constexpr (std::is_trivially_copyable<T>::value) {
      T* p = ptr();
      const T* q = o.ptr();
      for (size_t i = 0; i < o.size_; ++i) p[i] = q[i];
      size_ = o.size_;
      o.size_ = 0;
    } else {
      for (size_t i = 0; i < o.size_; ++i) emplace_back(std::move(o.ptr()[i]));
      o.clear();
    }
  }

  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* heap_ = nullptr;
  // 32-bit counts keep a Shape at 64 bytes: one cache line.
  uint32_t size_ = 0;
  uint32_t capacity_ = N;
};

}  // namespace nabla
