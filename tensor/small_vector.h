// SmallVector<T, N>: a vector that keeps up to N elements inline.
// Why: every tensor has a shape and strides; with std::vector each would cost a
// heap allocation per op. Shapes rarely exceed 6 dims, so they live inline and
// only unusual tensors spill to the heap.
//
// data_ always points at the elements (the inline buffer or the heap block),
// so reading an element is one load, with no "inline or heap?" test.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <new>
#include <type_traits>
#include <utility>

namespace nabla {

template <class T, size_t N>
class SmallVector {
  static constexpr bool kTrivial = std::is_trivially_copyable<T>::value;

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
  SmallVector(const SmallVector& o) { copy_from(o); }
  SmallVector(SmallVector&& o) noexcept { move_from(std::move(o)); }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) copy_from(o);
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
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }
  T& front() { return data_[0]; }
  const T& front() const { return data_[0]; }

  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  template <class... A>
  T& emplace_back(A&&... a) {
    if (size_ == capacity_) grow(size_t(capacity_) * 2);
    T* p = new (data_ + size_) T(std::forward<A>(a)...);
    ++size_;
    return *p;
  }
  void pop_back() { data_[--size_].~T(); }
  void clear() {
    if constexpr (!std::is_trivially_destructible<T>::value)
      for (size_t i = 0; i < size_; ++i) data_[i].~T();
    size_ = 0;
  }
  void resize(size_t n, const T& value = T()) {
    if (n > capacity_) grow(n);
    if constexpr (kTrivial) {
      for (size_t i = size_; i < n; ++i) data_[i] = value;
      size_ = static_cast<uint32_t>(n);
    } else {
      while (size_ > n) pop_back();
      while (size_ < n) emplace_back(value);
    }
  }
  // Sets the size to n leaving new elements uninitialised (trivial types
  // only): for a caller that writes every element next - no zero-fill.
  void resize_for_overwrite(size_t n) {
    static_assert(kTrivial, "resize_for_overwrite is for trivial element types");
    if (n > capacity_) grow(n);
    size_ = static_cast<uint32_t>(n);
  }
  void reserve(size_t n) {
    if (n > capacity_) grow(n);
  }
  T* insert(T* pos, const T& v) {
    size_t i = pos - data_;
    emplace_back(v);
    std::rotate(data_ + i, data_ + size_ - 1, data_ + size_);
    return data_ + i;
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
    if constexpr (kTrivial) {  // shapes: a plain copy loop
      for (size_t i = 0; i < n; ++i, ++first) data_[i] = *first;
      size_ = static_cast<uint32_t>(n);
    } else {
      for (; first != last; ++first) emplace_back(*first);
    }
  }
  void assign(size_t n, const T& value) {
    clear();
    resize(n, value);
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    if (a.size_ != b.size_) return false;
    for (size_t i = 0; i < a.size_; ++i)  // a plain loop: shapes are short, memcmp's call costs more
      if (!(a.data_[i] == b.data_[i])) return false;
    return true;
  }
  friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }

 private:
  T* inline_ptr() { return reinterpret_cast<T*>(inline_); }
  bool on_heap() const { return data_ != reinterpret_cast<const T*>(inline_); }
  void grow(size_t n) {
    T* fresh = static_cast<T*>(::operator new(n * sizeof(T)));
    for (size_t i = 0; i < size_; ++i) {
      new (fresh + i) T(std::move(data_[i]));
      data_[i].~T();
    }
    release_heap();
    data_ = fresh;
    capacity_ = static_cast<uint32_t>(n);
  }
  void release_heap() {
    if (on_heap()) ::operator delete(data_);
    data_ = inline_ptr();
    capacity_ = N;
  }
  // Shapes are copied several times per op: with trivial elements inline on
  // both sides, the whole inline buffer goes in one fixed-size copy (a few
  // vector moves) instead of a loop over the elements.
  void copy_inline(const SmallVector& o) {
    std::memcpy(inline_, o.inline_, sizeof(inline_));
    size_ = o.size_;
  }
  void copy_from(const SmallVector& o) {
    if constexpr (kTrivial) {
      if (!o.on_heap() && !on_heap()) return copy_inline(o);
    }
    assign(o.begin(), o.end());
  }
  // Requires this to be empty and inline.
  void move_from(SmallVector&& o) {
    if (o.on_heap()) {
      data_ = o.data_;
      size_ = o.size_;
      capacity_ = o.capacity_;
      o.data_ = o.inline_ptr();
      o.size_ = 0;
      o.capacity_ = N;
    } else if constexpr (kTrivial) {
      copy_inline(o);
      o.size_ = 0;
    } else {
      for (size_t i = 0; i < o.size_; ++i) emplace_back(std::move(o.data_[i]));
      o.clear();
    }
  }

  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* data_ = reinterpret_cast<T*>(inline_);
  // 32-bit counts keep a Shape at 64 bytes: one cache line.
  uint32_t size_ = 0;
  uint32_t capacity_ = N;
};

}  // namespace nabla
