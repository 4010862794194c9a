// Tensor's differentiable methods: each forwards to the free function that
// holds the forward and its backward (x.sum() is sum(x)).
#include "../../tensor/creation.h"
#include "../../tensor/tensor.h"
#include "activation.h"
#include "arithmetic.h"
#include "indexing.h"
#include "matmul.h"
#include "reduce.h"
#include "unary.h"
#include "view.h"

namespace nabla {

Tensor Tensor::astype(DType dtype) const { return nabla::astype(*this, dtype); }
Tensor Tensor::contiguous() const { return nabla::contiguous(*this); }
Tensor Tensor::clone() const { return nabla::clone(*this); }
Tensor Tensor::reshape(const Shape& shape) const { return nabla::reshape(*this, shape); }
Tensor Tensor::view(const Shape& shape) const { return nabla::view(*this, shape); }
Tensor Tensor::flatten(int64_t s, int64_t e) const { return nabla::flatten(*this, s, e); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return nabla::transpose(*this, a, b); }
Tensor Tensor::t() const { return ndim() < 2 ? *this : nabla::transpose(*this, 0, 1); }
Tensor Tensor::permute(const Shape& axes) const { return nabla::permute(*this, axes); }
Tensor Tensor::squeeze() const { return nabla::squeeze(*this); }
Tensor Tensor::squeeze(int64_t axis) const { return nabla::squeeze(*this, axis); }
Tensor Tensor::unsqueeze(int64_t axis) const { return nabla::unsqueeze(*this, axis); }
Tensor Tensor::expand(const Shape& shape) const { return nabla::expand(*this, shape); }
Tensor Tensor::narrow(int64_t axis, int64_t start, int64_t length) const {
  return nabla::narrow(*this, axis, start, length);
}
Tensor Tensor::select(int64_t axis, int64_t index) const { return nabla::select(*this, axis, index); }
Tensor Tensor::index(const std::vector<TensorIndex>& indices) const { return nabla::index(*this, indices); }
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& value) {
  nabla::index_put_(*this, indices, value);
  return *this;
}
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, double value) {
  nabla::index_put_(*this, indices, full({}, value, TensorOptions(dtype(), device())));
  return *this;
}
Tensor Tensor::sum() const { return nabla::sum(*this); }
Tensor Tensor::sum(const Shape& axes, bool keepdims) const { return nabla::sum(*this, axes, keepdims); }
Tensor Tensor::mean() const { return nabla::mean(*this); }
Tensor Tensor::mean(const Shape& axes, bool keepdims) const { return nabla::mean(*this, axes, keepdims); }
Tensor Tensor::matmul(const Tensor& other) const { return nabla::matmul(*this, other); }
Tensor Tensor::pow(double exponent) const { return nabla::pow(*this, exponent); }
Tensor Tensor::exp() const { return nabla::exp(*this); }
Tensor Tensor::log() const { return nabla::log(*this); }
Tensor Tensor::abs() const { return nabla::abs(*this); }
Tensor Tensor::sqrt() const { return nabla::sqrt(*this); }
Tensor Tensor::relu() const { return nabla::relu(*this); }

}  // namespace nabla
