#include "reduce.h"

#include "../../kernels/kernels.h"
#include "../../tensor/creation.h"
#include "../../tensor/kernel_view.h"
#include "../record.h"
#include "arithmetic.h"
#include "compare.h"
#include "forward.h"
#include "unary.h"

namespace nabla {

using autograd::Grads;
using autograd::record;
using detail::normalize_axes;
using detail::reduced_shape;
using kernels::ReduceOp;

namespace {

// Integer and bool sums are int64 (NumPy); float sums keep their dtype.
DType sum_dtype(DType t) { return is_floating(t) ? t : kInt64; }

int64_t count_of(const Tensor& x, const Shape& axes) {
  int64_t n = 1;
  for (int64_t a : axes) n *= x.shape()[a];
  return n;
}

}  // namespace

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor sum(const Tensor& x, const Shape& axes, bool keepdims) {
  detail::check_defined("sum", x);
  Shape ax = normalize_axes(axes, x.ndim(), "sum");
  Tensor y = detail::reduce_forward(ReduceOp::Sum, x.to(sum_dtype(x.dtype())), ax);
  if (!keepdims) y = y.detach().reshape(reduced_shape(x.shape(), ax, false));
  return record("sum", y, {x}, {}, [shape = x.shape(), ax, keepdims](const Tensor& dy) {
    Tensor d = keepdims ? dy : dy.reshape(reduced_shape(shape, ax, true));
    return Grads{d.expand(shape)};
  });
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor mean(const Tensor& x, const Shape& axes, bool keepdims) {
  Shape ax = normalize_axes(axes, x.ndim(), "mean");
  int64_t n = count_of(x, ax);
  Tensor xf = is_floating(x.dtype()) ? x : x.to(kFloat32);
  return sum(xf, ax, keepdims) / static_cast<double>(n);
}

Tensor prod(const Tensor& x) { return prod(x, {}, false); }

Tensor prod(const Tensor& x, const Shape& axes, bool keepdims) {
  detail::check_defined("prod", x);
  Shape ax = normalize_axes(axes, x.ndim(), "prod");
  Tensor y = detail::reduce_forward(ReduceOp::Prod, x.to(sum_dtype(x.dtype())), ax);
  Tensor yk = y.detach();
  if (!keepdims) y = y.detach().reshape(reduced_shape(x.shape(), ax, false));
  // d/dx_i = product of the others. With no zero in the slice that is y/x_i;
  // with one zero, only the zero's position gets a gradient (the product of
  // the non-zeros); with two or more, everything is 0.
  return record("prod", y, {x}, {x, yk}, [x, yk, ax, keepdims](const Tensor& dy) {
    Tensor d = keepdims ? dy : dy.reshape(reduced_shape(x.shape(), ax, true));
    Tensor is_zero = x == 0.0;
    Tensor zeros_in_slice = sum(is_zero, ax, true);
    Tensor nonzero_prod = prod(where(is_zero, 1.0, x), ax, true);
    Tensor others = where(zeros_in_slice == 0.0, nonzero_prod / where(is_zero, 1.0, x),
                          where(logical_and(zeros_in_slice == 1.0, is_zero), nonzero_prod, 0.0));
    return Grads{d * others};
  });
}

namespace {
Tensor extreme(const Tensor& x, const Shape& axes, bool keepdims, bool is_max) {
  const char* name = is_max ? "max" : "min";
  detail::check_defined(name, x);
  Shape ax = normalize_axes(axes, x.ndim(), name);
  for (int64_t a : ax)
    NABLA_CHECK(x.shape()[a] > 0, name, "zero-size axis ", a, " in shape ", shape_str(x.shape()), " has no ", name);
  NABLA_CHECK(x.numel() > 0, name, "empty tensor has no ", name);
  Tensor xin = x.dtype() == kBool ? x.to(kInt64) : x;
  Tensor yk = detail::reduce_forward(is_max ? ReduceOp::Max : ReduceOp::Min, xin, ax);
  Tensor y = keepdims ? yk : yk.detach().reshape(reduced_shape(x.shape(), ax, false));
  Tensor ykd = yk.detach();
  return record(name, y, {x}, {x, ykd}, [x, ykd, ax, keepdims](const Tensor& dy) {
    Tensor d = keepdims ? dy : dy.reshape(reduced_shape(x.shape(), ax, true));
    Tensor hit = (x == ykd).to(dy.dtype());
    return Grads{d * hit / sum(hit, ax, true)};
  });
}
}  // namespace

Tensor max(const Tensor& x) { return extreme(x, {}, false, true); }
Tensor max(const Tensor& x, const Shape& axes, bool keepdims) { return extreme(x, axes, keepdims, true); }
Tensor min(const Tensor& x) { return extreme(x, {}, false, false); }
Tensor min(const Tensor& x, const Shape& axes, bool keepdims) { return extreme(x, axes, keepdims, false); }

Tensor var(const Tensor& x, const Shape& axes, int64_t ddof, bool keepdims) {
  Shape ax = normalize_axes(axes, x.ndim(), "var");
  int64_t n = count_of(x, ax);
  NABLA_CHECK(n - ddof > 0, "var", "ddof ", ddof, " leaves no degrees of freedom for ", n, " elements");
  Tensor xf = is_floating(x.dtype()) ? x : x.to(kFloat32);
  Tensor centered = xf - mean(xf, ax, true);
  return sum(centered * centered, ax, keepdims) / static_cast<double>(n - ddof);
}

Tensor std(const Tensor& x, const Shape& axes, int64_t ddof, bool keepdims) {
  return sqrt(var(x, axes, ddof, keepdims));
}

Tensor logsumexp(const Tensor& x, const Shape& axes, bool keepdims) {
  Shape ax = normalize_axes(axes, x.ndim(), "logsumexp");
  Tensor xf = is_floating(x.dtype()) ? x : x.to(kFloat32);
  // The shift m is a constant (detached): it cancels in the value, and
  // treating it as constant gives exactly the softmax gradient.
  Tensor m = max(xf.detach(), ax, true);
  m = where(isfinite(m), m, 0.0);  // all -inf slices: avoid inf - inf
  Tensor y = log(sum(exp(xf - m), ax, true)) + m;
  return keepdims ? y : y.reshape(reduced_shape(x.shape(), ax, false));
}

namespace {
Tensor arg_extreme(const Tensor& x, std::optional<int64_t> axis, bool keepdims, bool is_min) {
  const char* name = is_min ? "argmin" : "argmax";
  detail::check_defined(name, x);
  NABLA_CHECK(x.numel() > 0, name, "empty tensor of shape ", shape_str(x.shape()));
  if (!axis) {
    Tensor flat = x.reshape({x.numel()});
    Tensor r = arg_extreme(flat, 0, false, is_min);
    return keepdims ? r.reshape(Shape(static_cast<size_t>(x.ndim()), 1)) : r;
  }
  int64_t a = wrap_axis(*axis, x.ndim(), name);
  if (x.ndim() == 0) return zeros({}, kInt64);
  Shape out_shape = reduced_shape(x.shape(), {a}, false);
  Tensor y = empty(out_shape, kInt64, x.device());
  kernels::argmax(detail::kview(y), detail::kview(x), static_cast<int>(a), is_min);
  return keepdims ? y.reshape(reduced_shape(x.shape(), {a}, true)) : y;
}
}  // namespace

Tensor argmax(const Tensor& x, std::optional<int64_t> axis, bool keepdims) {
  return arg_extreme(x, axis, keepdims, false);
}
Tensor argmin(const Tensor& x, std::optional<int64_t> axis, bool keepdims) {
  return arg_extreme(x, axis, keepdims, true);
}

}  // namespace nabla
