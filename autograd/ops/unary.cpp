#include "unary.h"

#include <cmath>

#include "../../tensor/creation.h"
#include "../record.h"
#include "arithmetic.h"
#include "forward.h"

namespace nabla {

using autograd::Grads;
using autograd::record;
using detail::unary_forward;
using kernels::UnaryOp;

// exp, tanh and sigmoid have derivatives best written with their output y.
// The closure keeps y.detach() (keeping y itself would make a cycle through
// its own grad_fn); when the backward is itself being recorded
// (create_graph), y is recomputed from x so that it stays differentiable.
#define NABLA_OUTPUT_OR_RECOMPUTE(y, x, op) (GradMode::is_enabled() ? op(x) : (y))

Tensor exp(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Exp, x);
  Tensor yd = y.detach();
  return record("exp", y, {x}, {x, yd},
                [x, yd](const Tensor& dy) { return Grads{dy * NABLA_OUTPUT_OR_RECOMPUTE(yd, x, exp)}; });
}

Tensor expm1(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Expm1, x);
  return record("expm1", y, {x}, {x}, [x](const Tensor& dy) { return Grads{dy * exp(x)}; });
}

Tensor log(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Log, x);
  return record("log", y, {x}, {x}, [x](const Tensor& dy) { return Grads{dy / x}; });
}

Tensor log1p(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Log1p, x);
  return record("log1p", y, {x}, {x}, [x](const Tensor& dy) { return Grads{dy / (x + 1.0)}; });
}

Tensor sqrt(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Sqrt, x);
  return record("sqrt", y, {x}, {x}, [x](const Tensor& dy) { return Grads{dy * 0.5 * rsqrt(x)}; });
}

Tensor rsqrt(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Rsqrt, x);
  return record("rsqrt", y, {x}, {x}, [x](const Tensor& dy) { return Grads{dy * -0.5 * pow(x, -1.5)}; });
}

Tensor sin(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Sin, x);
  return record("sin", y, {x}, {x}, [x](const Tensor& dy) { return Grads{dy * cos(x)}; });
}

Tensor cos(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Cos, x);
  return record("cos", y, {x}, {x}, [x](const Tensor& dy) { return Grads{-dy * sin(x)}; });
}

Tensor tanh(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Tanh, x);
  Tensor yd = y.detach();
  return record("tanh", y, {x}, {x, yd}, [x, yd](const Tensor& dy) {
    Tensor t = NABLA_OUTPUT_OR_RECOMPUTE(yd, x, tanh);
    return Grads{dy * (1.0 - t * t)};
  });
}

Tensor sigmoid(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Sigmoid, x);
  Tensor yd = y.detach();
  return record("sigmoid", y, {x}, {x, yd}, [x, yd](const Tensor& dy) {
    Tensor s = NABLA_OUTPUT_OR_RECOMPUTE(yd, x, sigmoid);
    return Grads{dy * s * (1.0 - s)};
  });
}

Tensor erf(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Erf, x);
  return record("erf", y, {x}, {x},
                [x](const Tensor& dy) { return Grads{dy * (2.0 / std::sqrt(M_PI)) * exp(-(x * x))}; });
}

Tensor abs(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Abs, x);
  return record("abs", y, {x}, {x}, [x](const Tensor& dy) { return Grads{dy * sign(x)}; });
}

Tensor square(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Square, x);
  return record("square", y, {x}, {x}, [x](const Tensor& dy) { return Grads{dy * 2.0 * x}; });
}

Tensor reciprocal(const Tensor& x) {
  Tensor y = unary_forward(UnaryOp::Reciprocal, x);
  return record("reciprocal", y, {x}, {x}, [x](const Tensor& dy) { return Grads{-dy / (x * x)}; });
}

// Piecewise constant: zero gradient, recorded so gradients still flow (as 0).
#define NABLA_ZERO_GRAD_OP(name, OP)                                                          \
  Tensor name(const Tensor& x) {                                                              \
    Tensor y = unary_forward(UnaryOp::OP, x);                                                 \
    return record(#name, y, {x}, {}, [](const Tensor& dy) { return Grads{zeros_like(dy)}; }); \
  }
NABLA_ZERO_GRAD_OP(sign, Sign)
NABLA_ZERO_GRAD_OP(floor, Floor)
NABLA_ZERO_GRAD_OP(ceil, Ceil)
NABLA_ZERO_GRAD_OP(round, Round)

}  // namespace nabla
