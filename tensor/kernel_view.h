// Turning Tensors into kernels::Views (internal: not part of the public API).
#pragma once
#include <atomic>
#include <initializer_list>

#include "../kernels/view.h"
#include "tensor.h"

namespace nabla::detail {

// Threads running capture() (tensor/capture.h); internal to the library.
extern std::atomic<int> captures_running __attribute__((visibility("hidden")));
// Whether some thread is capturing a step: one load, and usually false.
__attribute__((always_inline)) inline bool capture_running() {
  return __builtin_expect(captures_running.load(std::memory_order_relaxed) != 0, 0);
}
// Marks s as memory of the step being captured, which then keeps it alive
// (tensor/capture.h). No reference is taken while the step runs, so the
// step's own decisions (may this buffer be reused in place?) stay as they
// are outside capture.
void keep_for_capture(const RefPtr<Storage>& s);
// The same for each tensor: for the hot elementwise paths, which check
// capture_running() once for all the pointers of a kernel call and take
// them with raw_data(), rather than pay kernel_data's check for each.
void keep_for_capture(std::initializer_list<const TensorImpl*> tensors);

// The address of t's first element, for a kernel: every pointer a kernel
// gets comes from here (or from a path that calls keep_for_capture itself).
// While a step is being captured, the memory it points into is kept alive
// with the captured step, whose replays will hand it to the same kernel
// again.
inline void* kernel_data(const TensorImpl& t) {
  if (capture_running()) keep_for_capture(t.storage);
  return static_cast<char*>(t.storage->data) + t.offset * static_cast<int64_t>(dtype_size(t.dtype));
}
inline void* kernel_data(const Tensor& t) { return kernel_data(*t.impl()); }

inline kernels::View kview(const Tensor& t) {
  return {kernel_data(t), t.dtype(), t.device(), static_cast<int>(t.ndim()), t.shape().data(), t.strides().data()};
}

// A 2-D tensor as the [1, rows, cols] view batched kernels (matmul) take;
// its transpose when `transposed` (strides swapped: nothing is copied).
// `dims` receives the shape and strides and must outlive the View.
inline kernels::View kview_matrix(const Tensor& t, int64_t (&dims)[6], bool transposed = false) {
  const int r = transposed ? 1 : 0, c = 1 - r;
  dims[0] = 1, dims[1] = t.shape()[r], dims[2] = t.shape()[c];
  dims[3] = 0, dims[4] = t.strides()[r], dims[5] = t.strides()[c];
  return {kernel_data(t), t.dtype(), t.device(), 3, dims, dims + 3};
}

// t seen with `shape` (NumPy broadcasting: stride 0 on stretched dims).
// `strides` receives the strides and must outlive the View.
inline kernels::View kview_broadcast(const Tensor& t, const Shape& shape, Shape& strides) {
  const size_t n = shape.size(), k = t.shape().size();
  strides.assign(n, 0);
  for (size_t i = 0; i < k; ++i) {
    size_t d = n - k + i;
    strides[d] = t.shape()[i] == shape[d] ? t.strides()[i] : 0;
  }
  return {kernel_data(t), t.dtype(), t.device(), static_cast<int>(n), shape.data(), strides.data()};
}

// How t can be read as numel() elements for kernels::binary_dense: 1 when
// it is C-contiguous, 0 when every stride is 0 (one value broadcast, as
// sum()'s backward makes), -1 otherwise.
inline int64_t dense_step(const Tensor& t) {
  if (t.is_contiguous()) return 1;
  const Shape& shape = t.shape();
  const Shape& strides = t.strides();
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] != 1 && strides[d] != 0) return -1;
  return 0;
}

// acc += t in one kernels::binary_dense call, where that is all add_() has
// to do: acc is dense, and t has its shape, dtype and device and is dense or
// one broadcast value. Then it bumps acc's version and returns true;
// otherwise it changes nothing and returns false. Tensor::add_ tries it
// first, and so does the autograd engine adding into a leaf's .grad, which
// skips add_()'s other checks: a long graph of small ops pays them per op.
bool add_dense_into(TensorImpl& acc, const Tensor& t);

}  // namespace nabla::detail
