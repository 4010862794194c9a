#include "view.h"

#include <algorithm>

#include "../../kernels/kernels.h"
#include "../../tensor/creation.h"
#include "../../tensor/kernel_view.h"
#include "../record.h"
#include "arithmetic.h"
#include "forward.h"

namespace nabla {

using autograd::Grads;
using autograd::record;

Tensor as_strided_view(const Tensor& x, const Shape& shape, const Shape& strides, int64_t offset) {
  return tensor_over(x.storage(), shape, strides, offset, x.dtype());
}

namespace {

// Replaces a single -1 in `shape` by what makes numel match.
Shape infer_shape(const Shape& shape, int64_t numel, const char* op, const Shape& from) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      NABLA_CHECK(infer < 0, op, "only one dim can be -1 in ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      NABLA_CHECK(out[i] >= 0, op, "invalid dim ", out[i], " in ", shape_str(shape));
      known *= out[i];
    }
  }
  if (infer >= 0) {
    NABLA_CHECK(known != 0 && numel % known == 0, op, "cannot reshape ", shape_str(from), " (", numel,
                " elements) into ", shape_str(shape));
    out[infer] = numel / known;
  }
  NABLA_CHECK(nabla::numel(out) == numel, op, "cannot reshape ", shape_str(from), " (", numel, " elements) into ",
              shape_str(shape), " (", nabla::numel(out), " elements)");
  return out;
}

// Strides that make `shape` a view of (old_shape, old_strides), if any: the
// old dims are cut into chunks that are contiguous within themselves, and
// each chunk must map onto whole new dims (PyTorch's computeStride).
std::optional<Shape> view_strides(const Shape& old_shape, const Shape& old_strides, const Shape& shape) {
  if (old_shape.empty() || nabla::numel(old_shape) == 0) return contiguous_strides(shape);
  Shape strides(shape.size(), 0);
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_shape[d];
    if (d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        strides[view_d] = view_numel * chunk_base;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return strides;
}

Tensor reshape_impl(const Tensor& x, const Shape& shape, bool allow_copy, const char* op) {
  detail::check_defined(op, x);
  Shape s = infer_shape(shape, x.numel(), op, x.shape());
  if (s == x.shape()) return x;
  std::optional<Shape> strides = view_strides(x.shape(), x.strides(), s);
  Tensor y;
  if (strides) {
    y = as_strided_view(x, s, *strides, x.offset());
  } else {
    NABLA_CHECK(allow_copy, op, "shape ", shape_str(x.shape()), " with strides ", shape_str(x.strides()),
                " cannot be viewed as ", shape_str(s), "; use reshape() (which copies) or contiguous() first");
    return reshape_impl(contiguous(x), s, false, op);
  }
  return record(op, y, {x}, {}, [in_shape = x.shape()](const Tensor& dy) { return Grads{dy.reshape(in_shape)}; });
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) { return reshape_impl(x, shape, true, "reshape"); }
Tensor view(const Tensor& x, const Shape& shape) { return reshape_impl(x, shape, false, "view"); }

Tensor flatten(const Tensor& x, int64_t start_axis, int64_t end_axis) {
  if (x.ndim() == 0) return x.reshape({1});
  int64_t s = wrap_axis(start_axis, x.ndim(), "flatten"), e = wrap_axis(end_axis, x.ndim(), "flatten");
  NABLA_CHECK(s <= e, "flatten", "start_axis ", start_axis, " comes after end_axis ", end_axis);
  Shape shape;
  for (int64_t d = 0; d < s; ++d) shape.push_back(x.shape()[d]);
  int64_t n = 1;
  for (int64_t d = s; d <= e; ++d) n *= x.shape()[d];
  shape.push_back(n);
  for (int64_t d = e + 1; d < x.ndim(); ++d) shape.push_back(x.shape()[d]);
  return x.reshape(shape);
}

Tensor permute(const Tensor& x, const Shape& axes) {
  detail::check_defined("permute", x);
  NABLA_CHECK(static_cast<int64_t>(axes.size()) == x.ndim(), "permute", "got ", axes.size(), " axes ", shape_str(axes),
              " for a tensor with ", x.ndim(), " dims");
  Shape shape(axes.size()), strides(axes.size()), inverse(axes.size());
  std::vector<bool> seen(axes.size(), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = wrap_axis(axes[i], x.ndim(), "permute");
    NABLA_CHECK(!seen[a], "permute", "axis ", a, " repeats in ", shape_str(axes));
    seen[a] = true;
    shape[i] = x.shape()[a];
    strides[i] = x.strides()[a];
    inverse[a] = static_cast<int64_t>(i);
  }
  Tensor y = as_strided_view(x, shape, strides, x.offset());
  return record("permute", y, {x}, {}, [inverse](const Tensor& dy) { return Grads{dy.permute(inverse)}; });
}

Tensor transpose(const Tensor& x, int64_t axis0, int64_t axis1) {
  if (x.ndim() == 0) return x;
  Shape axes(static_cast<size_t>(x.ndim()));
  for (int64_t i = 0; i < x.ndim(); ++i) axes[i] = i;
  std::swap(axes[wrap_axis(axis0, x.ndim(), "transpose")], axes[wrap_axis(axis1, x.ndim(), "transpose")]);
  return permute(x, axes);
}

Tensor squeeze(const Tensor& x) {
  Shape shape;
  for (int64_t d : x.shape())
    if (d != 1) shape.push_back(d);
  return x.reshape(shape);
}

Tensor squeeze(const Tensor& x, int64_t axis) {
  int64_t a = wrap_axis(axis, x.ndim(), "squeeze");
  if (x.ndim() == 0 || x.shape()[a] != 1) return x;  // NumPy errors; PyTorch keeps it: we follow PyTorch
  Shape shape = x.shape();
  shape.erase(shape.begin() + a);
  return x.reshape(shape);
}

Tensor unsqueeze(const Tensor& x, int64_t axis) {
  int64_t a = wrap_axis(axis, x.ndim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + a, 1);
  return x.reshape(shape);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  detail::check_defined("expand", x);
  NABLA_CHECK(shape.size() >= x.shape().size(), "expand", "cannot expand ", shape_str(x.shape()), " to fewer dims ",
              shape_str(shape));
  const size_t lead = shape.size() - x.shape().size();
  Shape out(shape.size()), strides(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d < lead) {
      NABLA_CHECK(shape[d] >= 0, "expand", "new leading dim must be >= 0 in ", shape_str(shape));
      out[d] = shape[d];
      strides[d] = 0;
      continue;
    }
    int64_t have = x.shape()[d - lead];
    int64_t want = shape[d] == -1 ? have : shape[d];
    NABLA_CHECK(have == want || have == 1, "expand", "cannot expand ", shape_str(x.shape()), " to ", shape_str(shape),
                ": dim ", d, " is ", have, ", not 1");
    out[d] = want;
    strides[d] = have == want ? x.strides()[d - lead] : 0;
  }
  if (out == x.shape()) return x;
  Tensor y = as_strided_view(x, out, strides, x.offset());
  return record("expand", y, {x}, {}, [in_shape = x.shape()](const Tensor& dy) { return Grads{sum_to(dy, in_shape)}; });
}

Tensor view_backward(const Tensor& dy, const Shape& base_shape, std::function<Tensor(const Tensor&)> make_view) {
  Tensor g = zeros(base_shape, TensorOptions(dy.dtype(), dy.device()));
  {
    NoGradGuard guard;
    Tensor window = make_view(g);
    kernels::copy(detail::kview(window), detail::kview(dy));
  }
  return record("view_backward", g, {dy}, {}, [make_view](const Tensor& ddg) { return Grads{make_view(ddg)}; });
}

Tensor slice(const Tensor& x, int64_t axis, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  detail::check_defined("slice", x);
  NABLA_CHECK(x.ndim() > 0, "slice", "cannot slice a 0-d tensor");
  NABLA_CHECK(step != 0, "slice", "step cannot be zero");
  int64_t a = wrap_axis(axis, x.ndim(), "slice");
  const int64_t n = x.shape()[a];
  // Python's slice.indices(): clamp into range for the step's direction.
  auto clampi = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t i = *v < 0 ? *v + n : *v;
    if (step > 0) return std::min(std::max<int64_t>(i, 0), n);
    return std::min(std::max<int64_t>(i, -1), n - 1);
  };
  int64_t b = clampi(start, step > 0 ? 0 : n - 1);
  int64_t e = clampi(stop, step > 0 ? n : -1);
  int64_t len = step > 0 ? (e > b ? (e - b + step - 1) / step : 0) : (b > e ? (b - e + (-step) - 1) / (-step) : 0);
  Shape shape = x.shape(), strides = x.strides();
  shape[a] = len;
  strides[a] = x.strides()[a] * step;
  int64_t offset = x.offset() + (len > 0 ? b * x.strides()[a] : 0);
  Tensor y = as_strided_view(x, shape, strides, offset);
  auto window = [a, b, e, step, len](const Tensor& t) {
    return len == 0 ? slice(t, a, 0, 0, 1)
                    : slice(t, a, b, step > 0 ? e : (e < 0 ? std::optional<int64_t>() : e), step);
  };
  y = record("slice", y, {x}, {},
             [in_shape = x.shape(), window](const Tensor& dy) { return Grads{view_backward(dy, in_shape, window)}; });
  if (y.grad_fn()) y.grad_fn()->extra().input_window = window;
  return y;
}

Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length) {
  int64_t a = wrap_axis(axis, x.ndim(), "narrow");
  const int64_t n = x.shape()[a];
  if (start < 0) start += n;
  NABLA_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow", "range [", start, ", ", start + length,
              ") is out of bounds for axis ", a, " of size ", n, " (shape ", shape_str(x.shape()), ")");
  return slice(x, a, start, start + length, 1);
}

Tensor select(const Tensor& x, int64_t axis, int64_t index) {
  detail::check_defined("select", x);
  NABLA_CHECK(x.ndim() > 0, "select", "cannot index a 0-d tensor");
  int64_t a = wrap_axis(axis, x.ndim(), "select");
  const int64_t n = x.shape()[a];
  NABLA_CHECK(index >= -n && index < n, "select", "index ", index, " is out of bounds for axis ", a, " with size ", n,
              " (shape ", shape_str(x.shape()), ")");
  if (index < 0) index += n;
  Shape shape = x.shape(), strides = x.strides();
  shape.erase(shape.begin() + a);
  strides.erase(strides.begin() + a);
  Tensor y = as_strided_view(x, shape, strides, x.offset() + index * x.strides()[a]);
  auto window = [a, index](const Tensor& t) { return select(t, a, index); };
  y = record("select", y, {x}, {},
             [in_shape = x.shape(), window](const Tensor& dy) { return Grads{view_backward(dy, in_shape, window)}; });
  if (y.grad_fn()) y.grad_fn()->extra().input_window = window;
  return y;
}

// ---- copies --------------------------------------------------------------------

Tensor clone(const Tensor& x) {
  detail::check_defined("clone", x);
  Tensor y = empty(x.shape(), x.dtype(), x.device());
  kernels::copy(detail::kview(y), detail::kview(x));
  return record("clone", y, {x}, {}, [](const Tensor& dy) { return Grads{dy}; });
}

Tensor contiguous(const Tensor& x) {
  detail::check_defined("contiguous", x);
  if (x.is_contiguous()) return x;
  return clone(x);
}

Tensor astype(const Tensor& x, DType dtype) {
  detail::check_defined("astype", x);
  Tensor y = empty(x.shape(), dtype, x.device());
  kernels::copy(detail::kview(y), detail::kview(x));
  if (!is_floating(dtype)) return y;  // integer results carry no gradient
  return record("astype", y, {x}, {}, [from = x.dtype()](const Tensor& dy) { return Grads{dy.astype(from)}; });
}

}  // namespace nabla
