// Arithmetic with NumPy broadcasting and type promotion (tensor/dtype.h).
// Gradients are summed back to each input's shape (sum_to).
//
//   add(a, b) = a + b          d/da = 1,         d/db = 1
//   sub(a, b) = a - b          d/da = 1,         d/db = -1
//   mul(a, b) = a * b          d/da = b,         d/db = a
//   div(a, b) = a / b          d/da = 1/b,       d/db = -a/b²
//   pow(a, b) = a^b            d/da = b a^(b-1), d/db = a^b ln a
//   maximum(a, b)              d/da = [a > b] + ½[a = b]   (ties split, as PyTorch)
//   minimum(a, b)              d/da = [a < b] + ½[a = b]
//   neg(a) = -a                d/da = -1
// Scalars (double) are "weak": they never widen a float tensor's dtype.
#pragma once
#include "../../tensor/tensor.h"

namespace nabla {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, double exponent);
Tensor pow(double base, const Tensor& exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& a);
// The same, handing a over (a temporary, or std::move(x)): when the product
// is not recorded, a's buffer may take it (forward.h) - one allocation fewer.
// Backward closures call it on dy, which is theirs to consume.
Tensor mul(Tensor&& a, const Tensor& b);

// Tensor (op) scalar and scalar (op) tensor.
Tensor add(const Tensor& a, double s);
Tensor sub(const Tensor& a, double s);
Tensor rsub(double s, const Tensor& a);  // s - a
Tensor mul(const Tensor& a, double s);
Tensor div(const Tensor& a, double s);
Tensor rdiv(double s, const Tensor& a);  // s / a
Tensor maximum(const Tensor& a, double s);
Tensor minimum(const Tensor& a, double s);

// Reduces a broadcast gradient back to `shape`: sums the leading dims that
// broadcasting added and the dims where `shape` has 1. Differentiable.
// Most calls (every binary op's backward, without broadcasting) find the
// shapes equal: that test is inline, the reduction out of line.
namespace detail {
Tensor sum_to_reduce(const Tensor& g, const Shape& shape);
}
inline Tensor sum_to(Tensor g, const Shape& shape) {  // by value: a temporary moves through
  if (g.shape() == shape) return g;
  return detail::sum_to_reduce(g, shape);
}

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator*(Tensor&& a, const Tensor& b) { return mul(std::move(a), b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double s) { return add(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return sub(a, s); }
inline Tensor operator-(double s, const Tensor& a) { return rsub(s, a); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return div(a, s); }
inline Tensor operator/(double s, const Tensor& a) { return rdiv(s, a); }

}  // namespace nabla
