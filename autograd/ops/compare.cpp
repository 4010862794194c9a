#include "compare.h"

#include "../../kernels/kernels.h"
#include "../../tensor/creation.h"
#include "../../tensor/kernel_view.h"
#include "../record.h"
#include "arithmetic.h"
#include "forward.h"
#include "reduce.h"
#include "unary.h"

namespace nabla {

using autograd::Grads;
using autograd::record;
using detail::binary_forward;
using detail::scalar_forward;
using kernels::BinaryOp;

Tensor eq(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Ge, a, b); }
Tensor eq(const Tensor& a, double s) { return scalar_forward(BinaryOp::Eq, a, s); }
Tensor ne(const Tensor& a, double s) { return scalar_forward(BinaryOp::Ne, a, s); }
Tensor lt(const Tensor& a, double s) { return scalar_forward(BinaryOp::Lt, a, s); }
Tensor le(const Tensor& a, double s) { return scalar_forward(BinaryOp::Le, a, s); }
Tensor gt(const Tensor& a, double s) { return scalar_forward(BinaryOp::Gt, a, s); }
Tensor ge(const Tensor& a, double s) { return scalar_forward(BinaryOp::Ge, a, s); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::LogicalAnd, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::LogicalOr, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::LogicalXor, a, b); }
Tensor logical_not(const Tensor& a) { return detail::unary_forward(kernels::UnaryOp::LogicalNot, a); }
Tensor isnan(const Tensor& a) { return ne(a, a); }
Tensor isfinite(const Tensor& a) {
  if (!is_floating(a.dtype())) return full(a.shape(), 1.0, TensorOptions(kBool, a.device()));
  return logical_and(eq(a, a), lt(abs(a.detach()), std::numeric_limits<double>::infinity()));
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  detail::check_defined("where", cond);
  detail::check_defined("where", a);
  detail::check_defined("where", b);
  NABLA_CHECK(cond.dtype() == kBool, "where", "condition must be bool, got ", dtype_name(cond.dtype()));
  detail::check_same_device("where", cond, a);
  detail::check_same_device("where", a, b);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  DType dt = promote_types(a.dtype(), b.dtype());
  Tensor ac = a.to(dt), bc = b.to(dt);
  Tensor y = empty(shape, dt, a.device());
  Shape sc, sa, sb;
  kernels::where(detail::kview(y), detail::kview_broadcast(cond, shape, sc), detail::kview_broadcast(ac, shape, sa),
                 detail::kview_broadcast(bc, shape, sb));
  return record("where", y, {a, b}, {cond}, [cond, sa = a.shape(), sb = b.shape()](const Tensor& dy) {
    Tensor zero = zeros({}, TensorOptions(dy.dtype(), dy.device()));
    return Grads{sum_to(where(cond, dy, zero), sa), sum_to(where(cond, zero, dy), sb)};
  });
}

Tensor where(const Tensor& cond, const Tensor& a, double b) {
  return where(cond, a, full({}, b, TensorOptions(a.dtype(), a.device())));
}
Tensor where(const Tensor& cond, double a, const Tensor& b) {
  return where(cond, full({}, a, TensorOptions(b.dtype(), b.device())), b);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  NABLA_CHECK(mask.dtype() == kBool, "masked_fill", "mask must be bool, got ", dtype_name(mask.dtype()));
  Tensor v = full({}, value, TensorOptions(x.dtype(), x.device()));
  Tensor y = where(mask, v, x);
  NABLA_CHECK(y.shape() == x.shape(), "masked_fill", "mask of shape ", shape_str(mask.shape()),
              " cannot be broadcast to ", shape_str(x.shape()));
  return y;
}

// Composed from where() so its gradient ([lo <= x <= hi]) comes for free.
Tensor clip(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
  NABLA_CHECK(!lo || !hi || *lo <= *hi, "clip", "lower bound ", *lo, " is above upper bound ", *hi);
  Tensor y = x;
  if (lo) y = where(x < *lo, full({}, *lo, TensorOptions(x.dtype(), x.device())), y);
  if (hi) y = where(x > *hi, full({}, *hi, TensorOptions(x.dtype(), x.device())), y);
  return y;
}

namespace {
Tensor bool_reduce(kernels::ReduceOp op, const Tensor& x, const Shape& axes, bool keepdims, const char* name) {
  Shape ax = detail::normalize_axes(axes, x.ndim(), name);
  Tensor y = detail::reduce_forward(op, x.to(kBool), ax);
  return keepdims ? y : y.reshape(detail::reduced_shape(x.shape(), ax, false));
}
}  // namespace

Tensor all(const Tensor& x) { return bool_reduce(kernels::ReduceOp::All, x, {}, false, "all"); }
Tensor any(const Tensor& x) { return bool_reduce(kernels::ReduceOp::Any, x, {}, false, "any"); }
Tensor all(const Tensor& x, const Shape& axes, bool keepdims) {
  return bool_reduce(kernels::ReduceOp::All, x, axes, keepdims, "all");
}
Tensor any(const Tensor& x, const Shape& axes, bool keepdims) {
  return bool_reduce(kernels::ReduceOp::Any, x, axes, keepdims, "any");
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  NoGradGuard guard;
  broadcast_shapes(a.shape(), b.shape(), "allclose");  // throws, naming allclose, when they cannot be compared
  DType dt = promote_types(promote_types(a.dtype(), b.dtype()), kFloat64);
  Tensor ad = a.to(dt), bd = b.to(dt);
  Tensor close = le(abs(ad - bd), atol + rtol * abs(bd));
  // inf == inf counts as close (the difference is NaN there).
  close = logical_or(close, eq(ad, bd));
  if (equal_nan) close = logical_or(close, logical_and(isnan(ad), isnan(bd)));
  return all(close).item<bool>();
}

bool equal(const Tensor& a, const Tensor& b) {
  NoGradGuard guard;
  return a.shape() == b.shape() && all(eq(a, b)).item<bool>();
}

}  // namespace nabla
