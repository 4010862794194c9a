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

}  // namespace nabla::detail
