#include "arithmetic.h"

#include <cmath>
#include <utility>

#include "../../tensor/creation.h"
#include "../record.h"
#include "compare.h"
#include "forward.h"
#include "reduce.h"
#include "unary.h"

namespace nabla {

using autograd::Grads;
using autograd::record;
using detail::binary_forward;
using detail::scalar_forward;
using kernels::BinaryOp;

Tensor detail::sum_to_reduce(const Tensor& g, const Shape& shape) {
  const size_t lead = g.shape().size() - shape.size();
  Shape axes;
  for (size_t d = 0; d < g.shape().size(); ++d)
    if (d < lead || (shape[d - lead] == 1 && g.shape()[d] != 1)) axes.push_back(static_cast<int64_t>(d));
  Tensor s = sum(g, axes, /*keepdims=*/true);
  return s.reshape(shape);
}

// ---- tensor (op) tensor --------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(BinaryOp::Add, a, b);
  return record("add", y, {a, b}, {}, [sa = a.shape(), sb = b.shape()](const Tensor& dy) {
    return Grads{sum_to(dy, sa), sum_to(dy, sb)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(BinaryOp::Sub, a, b);
  return record("sub", y, {a, b}, {}, [sa = a.shape(), sb = b.shape()](const Tensor& dy) {
    return Grads{sum_to(dy, sa), sum_to(-dy, sb)};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(BinaryOp::Mul, a, b);
  return record("mul", y, {a, b}, {a, b}, [a, b](Tensor dy) {
    // db = dy·a, or added by the engine straight into a leaf b's .grad.
    Tensor db, da;
    if (b.requires_grad() && !autograd::accumulate_product(1, dy, a)) db = sum_to(dy * a, b.shape());
    // da = dy·b; dy is not read again, so dy·b may be written over it.
    if (a.requires_grad() && !autograd::accumulate_product(0, dy, b)) da = sum_to(std::move(dy) * b, a.shape());
    return Grads{std::move(da), std::move(db)};
  });
}

Tensor mul(Tensor&& a, const Tensor& b) {
  if (autograd::will_record({a, b})) return mul(std::as_const(a), b);  // backward needs a as it is
  return autograd::unrecorded("mul", binary_forward(BinaryOp::Mul, std::move(a), b));
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(BinaryOp::Div, a, b);
  return record("div", y, {a, b}, {a, b}, [a, b](const Tensor& dy) {
    Tensor da = dy / b;
    return Grads{sum_to(da, a.shape()), b.requires_grad() ? sum_to(-da * a / b, b.shape()) : Tensor()};
  });
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(BinaryOp::Pow, a, b);
  return record("pow", y, {a, b}, {a, b}, [a, b](const Tensor& dy) {
    Tensor da = a.requires_grad() ? sum_to(dy * b * pow(a, b - 1.0), a.shape()) : Tensor();
    Tensor db = b.requires_grad() ? sum_to(dy * pow(a, b) * log(a), b.shape()) : Tensor();
    return Grads{da, db};
  });
}

// Ties split the gradient in half between both sides, as PyTorch does.
Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(BinaryOp::Maximum, a, b);
  return record("maximum", y, {a, b}, {a, b}, [a, b](const Tensor& dy) {
    Tensor wa = (a > b).to(dy.dtype()) + 0.5 * (a == b).to(dy.dtype());
    return Grads{sum_to(dy * wa, a.shape()), sum_to(dy * (1.0 - wa), b.shape())};
  });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(BinaryOp::Minimum, a, b);
  return record("minimum", y, {a, b}, {a, b}, [a, b](const Tensor& dy) {
    Tensor wa = (a < b).to(dy.dtype()) + 0.5 * (a == b).to(dy.dtype());
    return Grads{sum_to(dy * wa, a.shape()), sum_to(dy * (1.0 - wa), b.shape())};
  });
}

Tensor neg(const Tensor& a) {
  Tensor y = detail::unary_forward(kernels::UnaryOp::Neg, a);
  return record("neg", y, {a}, {}, [](const Tensor& dy) { return Grads{-dy}; });
}

// ---- tensor (op) scalar ----------------------------------------------------------

Tensor add(const Tensor& a, double s) {
  Tensor y = scalar_forward(BinaryOp::Add, a, s);
  return record("add", y, {a}, {}, [](const Tensor& dy) { return Grads{dy}; });
}

Tensor sub(const Tensor& a, double s) {
  Tensor y = scalar_forward(BinaryOp::Sub, a, s);
  return record("sub", y, {a}, {}, [](const Tensor& dy) { return Grads{dy}; });
}

Tensor rsub(double s, const Tensor& a) {
  Tensor y = scalar_forward(BinaryOp::Sub, a, s, /*scalar_first=*/true);
  return record("rsub", y, {a}, {}, [](const Tensor& dy) { return Grads{-dy}; });
}

Tensor mul(const Tensor& a, double s) {
  Tensor y = scalar_forward(BinaryOp::Mul, a, s);
  return record("mul", y, {a}, {}, [s](const Tensor& dy) { return Grads{dy * s}; });
}

Tensor div(const Tensor& a, double s) {
  Tensor y = scalar_forward(BinaryOp::Div, a, s);
  return record("div", y, {a}, {}, [s](const Tensor& dy) { return Grads{dy / s}; });
}

// y = s / a;  dy/da = -s / a²
Tensor rdiv(double s, const Tensor& a) {
  Tensor y = scalar_forward(BinaryOp::Div, a, s, /*scalar_first=*/true);
  return record("rdiv", y, {a}, {a}, [a, s](const Tensor& dy) { return Grads{dy * (-s) / (a * a)}; });
}

// y = a^p;  dy/da = p a^(p-1)
Tensor pow(const Tensor& a, double p) {
  Tensor y = scalar_forward(BinaryOp::Pow, a, p);
  return record("pow", y, {a}, {a}, [a, p](const Tensor& dy) {
    if (p == 0.0) return Grads{zeros_like(dy)};
    return Grads{dy * p * pow(a, p - 1.0)};
  });
}

// y = s^b;  dy/db = s^b ln s
Tensor pow(double s, const Tensor& b) {
  Tensor y = scalar_forward(BinaryOp::Pow, b, s, /*scalar_first=*/true);
  return record("pow", y, {b}, {b}, [b, s](const Tensor& dy) { return Grads{dy * pow(s, b) * std::log(s)}; });
}

Tensor maximum(const Tensor& a, double s) {
  Tensor y = scalar_forward(BinaryOp::Maximum, a, s);
  return record("maximum", y, {a}, {a}, [a, s](const Tensor& dy) {
    return Grads{dy * ((a > s).to(dy.dtype()) + 0.5 * (a == s).to(dy.dtype()))};
  });
}

Tensor minimum(const Tensor& a, double s) {
  Tensor y = scalar_forward(BinaryOp::Minimum, a, s);
  return record("minimum", y, {a}, {a}, [a, s](const Tensor& dy) {
    return Grads{dy * ((a < s).to(dy.dtype()) + 0.5 * (a == s).to(dy.dtype()))};
  });
}

}  // namespace nabla
