#include "pool.h"

#include "../../autograd/ops/indexing.h"
#include "../../autograd/ops/view.h"
#include "../../autograd/record.h"
#include "../../kernels/kernels.h"
#include "../../tensor/creation.h"
#include "../../tensor/kernel_view.h"

namespace nabla::nn::functional {

using autograd::Grads;
using autograd::record;
using detail::kview;
using kernels::Pool2dGeometry;

namespace {

Tensor contiguous_data(const Tensor& t) { return t.is_contiguous() ? t : t.detach().contiguous(); }

// ---- kernel-backed ops on 4-D x [N, C, H, W] ----------------------------------------

Tensor max_pool2d_backward_op(const Tensor& dy, const Tensor& indices, const Pool2dGeometry& g);

// (y, indices) of max pooling; the gradient goes to the saved argmaxes.
std::pair<Tensor, Tensor> max_pool2d_op(const Tensor& x, const Pool2dGeometry& g) {
  Tensor xc = contiguous_data(x);
  const Shape out_shape{x.size(0), x.size(1), g.out_h, g.out_w};
  Tensor y = empty(out_shape, x.dtype(), x.device());
  Tensor indices = empty(out_shape, kInt64, x.device());
  kernels::max_pool2d(g, kview(y), kview(indices), kview(xc));
  y = record("max_pool2d", y, {x}, {indices},
             [indices, g](const Tensor& dy) { return Grads{max_pool2d_backward_op(dy, indices, g)}; });
  return {y, indices};
}

// dx = dy scattered (added) onto the argmaxes in each H·W plane. A kernel
// rather than scatter_add on flattened planes: that costs three extra passes
// (zeros, a copy, a bounds check) and a generic strided loop. Linear in dy,
// so its own gradient reads ddx back at the argmaxes: a gather (double backward).
Tensor max_pool2d_backward_op(const Tensor& dy, const Tensor& indices, const Pool2dGeometry& g) {
  Tensor dyc = contiguous_data(dy);
  Tensor dx = empty({dy.size(0), dy.size(1), g.in_h, g.in_w}, dy.dtype(), dy.device());
  kernels::max_pool2d_backward(g, kview(dx), kview(dyc), kview(indices));
  return record("max_pool2d_backward", dx, {dy}, {indices}, [indices](const Tensor& ddx) {
    const int64_t n = ddx.size(0), c = ddx.size(1);
    return Grads{gather(ddx.reshape({n, c, -1}), 2, indices.reshape({n, c, -1})).reshape(indices.shape())};
  });
}

Tensor avg_pool2d_backward_op(const Tensor& dy, const Pool2dGeometry& g);

// Average pooling (plain or adaptive, as g says): linear, so its gradient is
// its adjoint avg_pool2d_backward, and that one's gradient is this op again.
Tensor avg_pool2d_op(const Tensor& x, const Pool2dGeometry& g) {
  Tensor xc = contiguous_data(x);
  Tensor y = empty({x.size(0), x.size(1), g.out_h, g.out_w}, x.dtype(), x.device());
  kernels::avg_pool2d(g, kview(y), kview(xc));
  return record(g.adaptive ? "adaptive_avg_pool2d" : "avg_pool2d", y, {x}, {},
                [g](const Tensor& dy) { return Grads{avg_pool2d_backward_op(dy, g)}; });
}

Tensor avg_pool2d_backward_op(const Tensor& dy, const Pool2dGeometry& g) {
  Tensor dyc = contiguous_data(dy);
  Tensor dx = empty({dy.size(0), dy.size(1), g.in_h, g.in_w}, dy.dtype(), dy.device());
  kernels::avg_pool2d_backward(g, kview(dx), kview(dyc));
  return record("avg_pool2d_backward", dx, {dy}, {}, [g](const Tensor& ddx) { return Grads{avg_pool2d_op(ddx, g)}; });
}

// ---- argument checks -------------------------------------------------------------------

// x is a floating tensor with `nd` spatial dims, batched or not.
void check_input(const char* op, const Tensor& x, int64_t nd) {
  NABLA_CHECK(x.defined(), op, "the input is an undefined tensor");
  NABLA_CHECK(x.ndim() == nd + 1 || x.ndim() == nd + 2, op, "expected a ", nd + 2, "-D input ",
              nd == 1 ? "[N, C, L]" : "[N, C, H, W]", " (or ", nd + 1, "-D without the batch), got shape ",
              shape_str(x.shape()));
  NABLA_CHECK(is_floating(x.dtype()), op, "needs a floating input, got ", dtype_name(x.dtype()));
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// PyTorch's pooling_output_shape along one axis:
//   out = floor_or_ceil((in + 2p - d(k - 1) - 1) / s) + 1,
// and with ceil_mode the last window must start inside the input or the
// left padding.
int64_t pool_out_size(const char* op, const Shape& shown, int64_t in, int64_t k, int64_t s, int64_t p, int64_t d,
                      bool ceil_mode) {
  NABLA_CHECK(k >= 1 && s >= 1 && d >= 1 && p >= 0, op,
              "kernel_size, stride and dilation must be positive and padding non-negative, got kernel_size ", k,
              ", stride ", s, ", padding ", p, ", dilation ", d);
  NABLA_CHECK(p <= k / 2, op, "padding ", p, " must be at most half the kernel size ", k);
  int64_t out = floor_div(in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0), s) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  NABLA_CHECK(out >= 1, op, "the input of shape ", shape_str(shown), " is too small for kernel_size ", k, " (dilation ",
              d, ", padding ", p, "): the output size would be ", out);
  return out;
}

// The geometry of a plain (non-adaptive) pooling of 4-D x; `shown` is the
// user's input shape for errors. stride (0, 0) means stride = kernel_size.
Pool2dGeometry pool_geometry(const char* op, const Shape& shown, const Shape& x, Int2 kernel, Int2 stride, Int2 padding,
                             Int2 dilation, bool ceil_mode, bool count_include_pad) {
  if (stride == Int2(0)) stride = kernel;
  const int64_t oh = pool_out_size(op, shown, x[2], kernel.h, stride.h, padding.h, dilation.h, ceil_mode);
  const int64_t ow = pool_out_size(op, shown, x[3], kernel.w, stride.w, padding.w, dilation.w, ceil_mode);
  return {x[0] * x[1], x[2],      x[3],      oh,         ow,         kernel.h, kernel.w,         stride.h,
          stride.w,    padding.h, padding.w, dilation.h, dilation.w, false,    count_include_pad};
}

std::pair<Tensor, Tensor> max_pool_impl(const char* op, const Shape& shown, const Tensor& x, Int2 kernel, Int2 stride,
                                        Int2 padding, Int2 dilation, bool ceil_mode) {
  if (x.ndim() == 3) {
    auto [y, indices] = max_pool_impl(op, shown, x.unsqueeze(0), kernel, stride, padding, dilation, ceil_mode);
    return {y.squeeze(0), indices.squeeze(0)};
  }
  return max_pool2d_op(x, pool_geometry(op, shown, x.shape(), kernel, stride, padding, dilation, ceil_mode, true));
}

Tensor avg_pool_impl(const char* op, const Shape& shown, const Tensor& x, Int2 kernel, Int2 stride, Int2 padding,
                     bool ceil_mode, bool count_include_pad) {
  if (x.ndim() == 3)
    return avg_pool_impl(op, shown, x.unsqueeze(0), kernel, stride, padding, ceil_mode, count_include_pad).squeeze(0);
  return avg_pool2d_op(x,
                       pool_geometry(op, shown, x.shape(), kernel, stride, padding, 1, ceil_mode, count_include_pad));
}

}  // namespace

// ---- public ops -----------------------------------------------------------------------

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Int2 kernel_size, Int2 stride, Int2 padding,
                                                  Int2 dilation, bool ceil_mode) {
  check_input("max_pool2d", input, 2);
  return max_pool_impl("max_pool2d", input.shape(), input, kernel_size, stride, padding, dilation, ceil_mode);
}

Tensor max_pool2d(const Tensor& input, Int2 kernel_size, Int2 stride, Int2 padding, Int2 dilation, bool ceil_mode) {
  return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode).first;
}

Tensor avg_pool2d(const Tensor& input, Int2 kernel_size, Int2 stride, Int2 padding, bool ceil_mode,
                  bool count_include_pad) {
  check_input("avg_pool2d", input, 2);
  return avg_pool_impl("avg_pool2d", input.shape(), input, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

Tensor adaptive_avg_pool2d(const Tensor& input, Int2 output_size) {
  check_input("adaptive_avg_pool2d", input, 2);
  if (input.ndim() == 3) return adaptive_avg_pool2d(input.unsqueeze(0), output_size).squeeze(0);
  const Shape& x = input.shape();
  NABLA_CHECK(output_size.h >= 1 && output_size.w >= 1, "adaptive_avg_pool2d", "output_size must be positive, got ",
              output_size.str());
  NABLA_CHECK(x[2] >= 1 && x[3] >= 1, "adaptive_avg_pool2d", "the input of shape ", shape_str(x),
              " has an empty plane");
  Pool2dGeometry g{x[0] * x[1], x[2], x[3], output_size.h, output_size.w, 1, 1, 1, 1, 0, 0, 1, 1, true, false};
  return avg_pool2d_op(input, g);
}

// The 1-D pools: 2-D pooling of [N, C, 1, L] with a (1, kernel_size) window.
Tensor max_pool1d(const Tensor& input, int64_t kernel_size, int64_t stride, int64_t padding, int64_t dilation,
                  bool ceil_mode) {
  check_input("max_pool1d", input, 1);
  if (stride == 0) stride = kernel_size;
  return max_pool_impl("max_pool1d", input.shape(), input.unsqueeze(-2), Int2(1, kernel_size), Int2(1, stride),
                       Int2(0, padding), Int2(1, dilation), ceil_mode)
      .first.squeeze(-2);
}

Tensor avg_pool1d(const Tensor& input, int64_t kernel_size, int64_t stride, int64_t padding, bool ceil_mode,
                  bool count_include_pad) {
  check_input("avg_pool1d", input, 1);
  if (stride == 0) stride = kernel_size;
  return avg_pool_impl("avg_pool1d", input.shape(), input.unsqueeze(-2), Int2(1, kernel_size), Int2(1, stride),
                       Int2(0, padding), ceil_mode, count_include_pad)
      .squeeze(-2);
}

}  // namespace nabla::nn::functional
