// Elementwise math. Integer/bool inputs compute in float32.
//
//   exp(x)     d/dx = exp(x)          log(x)    d/dx = 1/x
//   expm1(x)   d/dx = exp(x)          log1p(x)  d/dx = 1/(1+x)
//   sqrt(x)    d/dx = 1/(2 sqrt x)    rsqrt(x)  d/dx = -½ x^(-3/2)
//   sin(x)     d/dx = cos(x)          cos(x)    d/dx = -sin(x)
//   tanh(x)    d/dx = 1 - tanh²(x)    sigmoid(x) d/dx = σ(x)(1-σ(x))
//   erf(x)     d/dx = 2/√π e^(-x²)    abs(x)    d/dx = sign(x)
//   square(x)  d/dx = 2x              reciprocal(x) d/dx = -1/x²
//   sign, floor, ceil, round: gradient 0 (piecewise constant)
#pragma once
#include "../../tensor/tensor.h"

namespace nabla {

Tensor exp(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor square(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
Tensor round(const Tensor& x);

}  // namespace nabla
