#include "forward.h"

#include <algorithm>

#include "../../kernels/kernels.h"
#include "../../tensor/creation.h"
#include "../../tensor/kernel_view.h"

namespace nabla::detail {

using kernels::BinaryOp;
using kernels::UnaryOp;

void check_defined(const char* op, const Tensor& t) { NABLA_CHECK(t.defined(), op, "got an undefined tensor"); }

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  NABLA_CHECK(a.device() == b.device(), op, "expected all tensors on one device, got ", a.device().str(), " and ",
              b.device().str(), " (shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()), ")");
}

namespace {
// The checks every binary op makes, out of line: the op's name is looked up
// only when there is something to complain about.
[[noreturn]] __attribute__((noinline)) void fail_operands(kernels::BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = kernels::binary_op_name(op);
  check_defined(name, a);
  check_defined(name, b);
  check_same_device(name, a, b);
  throw Error(std::string(name) + ": invalid operands");  // not reached: one of the checks above threw
}
}  // namespace

namespace {
bool is_float_op(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
    case UnaryOp::Abs:
    case UnaryOp::Sign:
    case UnaryOp::Square:
    case UnaryOp::Relu:
    case UnaryOp::LogicalNot:
      return false;
    default:
      return true;
  }
}

// The dtype op computes in, given the inputs' common dtype, and the dtype of
// its result (bool for comparisons and logic).
struct OpTypes {
  DType compute, result;
};
OpTypes op_types(BinaryOp op, DType common) {
  if (kernels::is_logical(op)) return {kBool, kBool};
  if (op == BinaryOp::Div && !is_floating(common)) common = kFloat32;   // true division, as NumPy
  if (common == kBool && !kernels::is_comparison(op)) common = kInt64;  // bool arithmetic is integer
  return {common, kernels::is_comparison(op) ? kBool : common};
}

}  // namespace

Tensor unary_forward(UnaryOp op, const Tensor& x) {
  check_defined(kernels::unary_op_name(op), x);
  Tensor in = x;
  if (op == UnaryOp::LogicalNot)
    in = x.to(kBool);
  else if (is_float_op(op) && !is_floating(x.dtype()))
    in = x.to(kFloat32);
  else if (x.dtype() == kBool)
    in = x.to(kInt64);
  Tensor out = empty(in.shape(), in.dtype(), in.device());
  if (op != UnaryOp::LogicalNot && in.is_contiguous()) {
    if (capture_running()) keep_for_capture({out.impl(), in.impl()});
    kernels::unary_dense(op, in.dtype(), in.device(), out.raw_data(), in.raw_data(), out.numel());
  } else {
    kernels::unary(op, kview(out), kview(in));
  }
  return out;
}

Tensor binary_forward(BinaryOp op, const Tensor& a, const Tensor& b) {
  if (__builtin_expect(!a.defined() || !b.defined() || a.device() != b.device(), 0)) fail_operands(op, a, b);
  const auto [common, out_dtype] = op_types(op, promote_types(a.dtype(), b.dtype()));
  if (a.shape() == b.shape() && a.dtype() == common && b.dtype() == common) {
    // Fast path (most ops in a training step): no broadcasting, no casts.
    Tensor out = empty(a.shape(), out_dtype, a.device());
    // Arithmetic (not comparisons) on dense or broadcast-scalar operands:
    // the kernel needs no shapes or strides at all.
    const int64_t a_step = out_dtype == common ? dense_step(a) : -1;
    const int64_t b_step = a_step >= 0 ? dense_step(b) : -1;
    if (b_step >= 0) {
      if (capture_running()) keep_for_capture({out.impl(), a.impl(), b.impl()});
      kernels::binary_dense(op, common, a.device(), out.raw_data(), a.raw_data(), a_step, b.raw_data(), b_step,
                            out.numel());
    } else {
      kernels::binary(op, kview(out), kview(a), kview(b));
    }
    return out;
  }
  Shape shape = broadcast_shapes(a.shape(), b.shape(), kernels::binary_op_name(op));
  Tensor ac = a.to(common), bc = b.to(common);
  Tensor out = empty(shape, out_dtype, a.device());
  Shape sa, sb;
  kernels::binary(op, kview(out), kview_broadcast(ac, shape, sa), kview_broadcast(bc, shape, sb));
  return out;
}

namespace {
bool is_disposable(const Tensor& t) {
  return t.impl_ptr().use_count() == 1 && t.storage_is_exclusive() && !t.requires_grad() && !t.impl()->grad &&
         t.is_contiguous();
}
}  // namespace

Tensor binary_forward(BinaryOp op, Tensor&& a, const Tensor& b) {
  if (a.defined() && b.defined() && a.shape() == b.shape() && a.device() == b.device() && is_disposable(a)) {
    const auto [common, out_dtype] = op_types(op, promote_types(a.dtype(), b.dtype()));
    const int64_t b_step = dense_step(b);
    if (a.dtype() == common && b.dtype() == common && out_dtype == common && b_step >= 0) {
      // In place is safe for an elementwise loop: element i is read before it is written.
      if (capture_running()) keep_for_capture({a.impl(), b.impl()});
      kernels::binary_dense(op, common, a.device(), a.raw_data(), a.raw_data(), 1, b.raw_data(), b_step, a.numel());
      return std::move(a);
    }
  }
  return binary_forward(op, static_cast<const Tensor&>(a), b);
}

Tensor scalar_forward(BinaryOp op, const Tensor& a, double s, bool scalar_first) {
  const char* name = kernels::binary_op_name(op);
  check_defined(name, a);
  const auto [common, out_dtype] = op_types(op, promote_with_scalar(a.dtype(), s));
  Tensor ac = a.to(common);
  Tensor out = empty(a.shape(), out_dtype, a.device());
  static const int64_t zeros[kernels::kMaxDims] = {};
  // On the CPU the scalar lives on this stack frame, seen by the kernel with
  // stride 0 everywhere. A GPU kernel cannot read this frame, nor can a
  // captured step's replay (tensor/capture.h) once the frame is gone: there
  // the scalar is a one-element tensor, broadcast the same way.
  alignas(8) unsigned char buf[8];
  Tensor on_device;
  void* scalar_data = buf;
  if (a.device().is_cpu() && !capture_running()) {
    NABLA_DISPATCH_ALL(common, T, *reinterpret_cast<T*>(buf) = static_cast<T>(s));
  } else {
    on_device = full({}, s, TensorOptions(common, a.device()));
    scalar_data = kernel_data(on_device);
  }
  kernels::View sv{scalar_data, common, a.device(), static_cast<int>(a.ndim()), a.shape().data(), zeros};
  if (scalar_first)
    kernels::binary(op, kview(out), sv, kview(ac));
  else
    kernels::binary(op, kview(out), kview(ac), sv);
  return out;
}

Shape normalize_axes(const Shape& axes, int64_t ndim, const char* op) {
  Shape out;
  if (axes.empty()) {
    for (int64_t i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (int64_t a : axes) out.push_back(wrap_axis(a, ndim, op));
  std::sort(out.begin(), out.end());
  for (size_t i = 1; i < out.size(); ++i)
    NABLA_CHECK(out[i] != out[i - 1], op, "axis ", out[i], " appears twice in ", shape_str(axes));
  if (ndim == 0) out.clear();
  return out;
}

Shape reduced_shape(const Shape& shape, const Shape& axes, bool keepdims) {
  Shape out;
  size_t k = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    bool reduced = k < axes.size() && axes[k] == static_cast<int64_t>(d);
    if (reduced) ++k;
    if (!reduced)
      out.push_back(shape[d]);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}

Tensor reduce_forward(kernels::ReduceOp op, const Tensor& x, const Shape& axes) {
  Tensor out = empty(reduced_shape(x.shape(), axes, true), x.dtype(), x.device());
  kernels::reduce(op, kview(out), kview(x));
  return out;
}

}  // namespace nabla::detail
