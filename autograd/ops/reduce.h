// Reductions over all elements or over `axes` (negative axes count from
// the end), keeping reduced dims as size 1 when keepdims is true.
//
//   sum        d/dx = 1 (dy broadcast back)
//   mean       d/dx = 1/n
//   prod       d/dx_i = prod_{j != i} x_j   (exact with zeros too)
//   max, min   d/dx = [x == max] / (number of ties)   (ties share, as amax)
//   var(ddof)  = sum((x - mean)²) / (n - ddof)   composed: no own backward
//   std        = sqrt(var)
//   logsumexp  = m + log(sum(exp(x - m))), m = max(x) held constant: stable
//              for large x, and its gradient is softmax(x).
//   argmax, argmin: int64 indices, no gradient.
#pragma once
#include "../../tensor/tensor.h"

namespace nabla {

Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Shape& axes, bool keepdims = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Shape& axes, bool keepdims = false);
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, const Shape& axes, bool keepdims = false);
Tensor max(const Tensor& x);
Tensor max(const Tensor& x, const Shape& axes, bool keepdims = false);
Tensor min(const Tensor& x);
Tensor min(const Tensor& x, const Shape& axes, bool keepdims = false);
Tensor var(const Tensor& x, const Shape& axes = {}, int64_t ddof = 0, bool keepdims = false);
Tensor std(const Tensor& x, const Shape& axes = {}, int64_t ddof = 0, bool keepdims = false);
Tensor logsumexp(const Tensor& x, const Shape& axes = {}, bool keepdims = false);
// Index of the first max (min) along `axis`; over the flattened tensor
// when axis is None.
Tensor argmax(const Tensor& x, std::optional<int64_t> axis = std::nullopt, bool keepdims = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> axis = std::nullopt, bool keepdims = false);

}  // namespace nabla
