// Turning Tensors into kernels::Views (internal: not part of the public API).
#pragma once
#include "../kernels/view.h"
#include "tensor.h"

namespace nabla::detail {

inline kernels::View kview(const Tensor& t) {
  return {t.raw_data(), t.dtype(), t.device(), static_cast<int>(t.ndim()), t.shape().data(), t.strides().data()};
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
  return {t.raw_data(), t.dtype(), t.device(), static_cast<int>(n), shape.data(), strides.data()};
}

// How t can be read as numel() elements for kernels::binary_dense: 1 when
// it is C-contiguous, 0 when every stride is 0 (one value broadcast, as
// sum()'s backward makes), -1 otherwise.
inline int64_t dense_step(const Tensor& t) {
  const Shape& shape = t.shape();
  const Shape& strides = t.strides();
  bool contiguous = true, broadcast = true;
  int64_t expected = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 1) continue;
    contiguous = contiguous && strides[d] == expected;
    broadcast = broadcast && strides[d] == 0;
    expected *= shape[d];
  }
  return contiguous ? 1 : broadcast ? 0 : -1;
}

}  // namespace nabla::detail
