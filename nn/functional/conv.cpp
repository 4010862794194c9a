#include "conv.h"

#include "../../autograd/ops/reduce.h"
#include "../../autograd/ops/view.h"
#include "../../autograd/record.h"
#include "../../kernels/kernels.h"
#include "../../tensor/kernel_view.h"

namespace nabla::nn::functional {

using autograd::Grads;
using autograd::record;
using detail::kview;
using kernels::Conv2dGeometry;

namespace {

// ---- the three primitives ---------------------------------------------------------
// Each is described by the geometry `g` of one conv2d (x [N, C_in, H, W] ->
// y [N, C_out, OH, OW]) and is kernel-backed for speed: composing them from
// unfold/matmul ops would materialise and copy the im2col matrix per op.
// Their backward closures use each other (see conv.h), so double backward works.

Tensor conv2d_op(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dGeometry& g);
Tensor conv_transpose2d_op(const Tensor& y, const Tensor& w, const Tensor& b, const Conv2dGeometry& g);
Tensor conv2d_weight_op(const Tensor& x, const Tensor& dy, const Conv2dGeometry& g);

// The data of t, contiguous (t itself when it already is; no graph is recorded).
Tensor contiguous_data(const Tensor& t) {
  if (!t.defined() || t.is_contiguous()) return t;
  return t.detach().contiguous();
}
kernels::View optional_view(const Tensor& t) { return t.defined() ? kview(t) : kernels::View{}; }

// db = dy summed over batch and positions. Batch first: that sum runs over
// whole contiguous images (a vectorised add of N planes), leaving a small
// [C, OH, OW] whose per-channel sums are quick; one reduction over axes
// {0, 2, 3} at once walks the strided layout and takes ~5x longer.
Tensor bias_grad(const Tensor& dy) { return dy.sum({0}).sum({1, 2}); }

// y = conv2d(x, w) + b.
Tensor conv2d_op(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dGeometry& g) {
  Tensor xc = contiguous_data(x), wc = contiguous_data(w), bc = contiguous_data(b);
  Tensor y = empty({g.batch, g.out_channels, g.out_h, g.out_w}, x.dtype(), x.device());
  kernels::conv2d(g, kview(y), kview(xc), kview(wc), optional_view(bc));
  return record("conv2d", y, {x, w, b}, {x, w}, [x, w, g, need_b = b.requires_grad()](const Tensor& dy) {
    return Grads{x.requires_grad() ? conv_transpose2d_op(dy, w, Tensor(), g) : Tensor(),
                 w.requires_grad() ? conv2d_weight_op(x, dy, g) : Tensor(), need_b ? bias_grad(dy) : Tensor()};
  });
}

// x' = conv2dᵀ(y, w) + b: [N, C_out, OH, OW] -> [N, C_in, H, W] (g's conv2d run backwards).
Tensor conv_transpose2d_op(const Tensor& y, const Tensor& w, const Tensor& b, const Conv2dGeometry& g) {
  Tensor yc = contiguous_data(y), wc = contiguous_data(w), bc = contiguous_data(b);
  Tensor x = empty({g.batch, g.in_channels, g.in_h, g.in_w}, y.dtype(), y.device());
  kernels::conv_transpose2d(g, kview(x), kview(yc), kview(wc), optional_view(bc));
  return record("conv_transpose2d", x, {y, w, b}, {y, w}, [y, w, g, need_b = b.requires_grad()](const Tensor& dx) {
    return Grads{y.requires_grad() ? conv2d_op(dx, w, Tensor(), g) : Tensor(),
                 w.requires_grad() ? conv2d_weight_op(dx, y, g) : Tensor(), need_b ? bias_grad(dx) : Tensor()};
  });
}

// dw = conv2d_weight(x, dy): [C_out, C_in/G, KH, KW].
Tensor conv2d_weight_op(const Tensor& x, const Tensor& dy, const Conv2dGeometry& g) {
  Tensor xc = contiguous_data(x), dyc = contiguous_data(dy);
  Tensor dw = empty({g.out_channels, g.in_channels / g.groups, g.kernel_h, g.kernel_w}, x.dtype(), x.device());
  kernels::conv2d_weight(g, kview(dw), kview(xc), kview(dyc));
  return record("conv2d_weight", dw, {x, dy}, {x, dy}, [x, dy, g](const Tensor& ddw) {
    return Grads{x.requires_grad() ? conv_transpose2d_op(dy, ddw, Tensor(), g) : Tensor(),
                 dy.requires_grad() ? conv2d_op(x, ddw, Tensor(), g) : Tensor()};
  });
}

// ---- argument checks ----------------------------------------------------------------

// x, w (and b): defined, one floating dtype, one device.
void check_tensors(const char* op, const Tensor& x, const Tensor& w, const Tensor& b) {
  NABLA_CHECK(x.defined() && w.defined(), op, "the input and the weight must be defined tensors");
  NABLA_CHECK(is_floating(x.dtype()) && x.dtype() == w.dtype() && (!b.defined() || b.dtype() == x.dtype()), op,
              "input, weight and bias must share one floating dtype, got ", dtype_name(x.dtype()), ", ",
              dtype_name(w.dtype()), b.defined() ? std::string(", ") + dtype_name(b.dtype()) : std::string());
  NABLA_CHECK(x.device() == w.device() && (!b.defined() || b.device() == x.device()), op,
              "input, weight and bias must be on one device, got ", x.device().str(), " and ", w.device().str());
}

// Ranks and channels. x [N, C, *spatial] (nd spatial dims); w [C_out,
// C_in/groups, *kernel], or for a transposed conv [C_in, C_out/groups, *kernel].
// Returns the output channels.
int64_t check_channels(const char* op, const Shape& x, const Shape& w, const Tensor& b, int64_t groups, size_t nd,
                       bool transposed) {
  const char* layout = nd == 1 ? "[N, C, L]" : "[N, C, H, W]";
  NABLA_CHECK(x.size() == nd + 2, op, "expected a ", nd + 2, "-D input ", layout, " (or ", nd + 1,
              "-D without the batch), got shape ", shape_str(x));
  NABLA_CHECK(w.size() == nd + 2, op, "expected a ", nd + 2, "-D weight, got shape ", shape_str(w));
  NABLA_CHECK(groups >= 1, op, "groups must be positive, got ", groups);
  NABLA_CHECK(w[0] % groups == 0, op, "weight of shape ", shape_str(w), ": its first dim ", w[0],
              " must be divisible by groups=", groups);
  const int64_t c_in = transposed ? w[0] : w[1] * groups;
  const int64_t c_out = transposed ? w[1] * groups : w[0];
  NABLA_CHECK(x[1] == c_in, op, "weight of shape ", shape_str(w), " with groups=", groups, " expects ", c_in,
              " input channels, but the input of shape ", shape_str(x), " has ", x[1]);
  NABLA_CHECK(!b.defined() || (b.ndim() == 1 && b.size(0) == c_out), op, "bias of shape ",
              b.defined() ? shape_str(b.shape()) : "", " must be (", c_out, ",) (one per output channel)");
  return c_out;
}

// One spatial axis of a conv2d: out = floor((in + 2p - d(k - 1) - 1) / s) + 1.
int64_t conv_out_size(const char* op, const Shape& x, int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  NABLA_CHECK(s >= 1 && p >= 0 && d >= 1, op, "stride and dilation must be positive and padding non-negative, got ",
              "stride ", s, ", padding ", p, ", dilation ", d);
  const int64_t span = d * (k - 1) + 1;
  NABLA_CHECK(span <= in + 2 * p, op, "the kernel (size ", k, ", ", span, " after dilation) is larger than the padded ",
              "input (size ", in, " + 2·", p, ") of the input of shape ", shape_str(x));
  return (in + 2 * p - span) / s + 1;
}

Conv2dGeometry geometry(const Shape& x, const Shape& w, int64_t c_out, int64_t out_h, int64_t out_w, Int2 stride,
                        Int2 padding, Int2 dilation, int64_t groups) {
  return {x[0], x[1],     x[2],     x[3],      c_out,     out_h,      out_w,      w[2],
          w[3], stride.h, stride.w, padding.h, padding.w, dilation.h, dilation.w, groups};
}

// conv2d on 4-D x; `op` and `shown` name the user's call in errors.
Tensor conv2d_4d(const char* op, const Shape& shown, const Tensor& x, const Tensor& w, const Tensor& b, Int2 stride,
                 Int2 padding, Int2 dilation, int64_t groups) {
  const Shape& xs = x.shape();
  const int64_t c_out = check_channels(op, xs, w.shape(), b, groups, 2, false);
  const int64_t oh = conv_out_size(op, shown, xs[2], w.size(2), stride.h, padding.h, dilation.h);
  const int64_t ow = conv_out_size(op, shown, xs[3], w.size(3), stride.w, padding.w, dilation.w);
  return conv2d_op(x, w, b, geometry(xs, w.shape(), c_out, oh, ow, stride, padding, dilation, groups));
}

}  // namespace

// ---- public ops -----------------------------------------------------------------------

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Int2 stride, Int2 padding, Int2 dilation,
              int64_t groups) {
  check_tensors("conv2d", input, weight, bias);
  if (input.ndim() == 3) return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
  return conv2d_4d("conv2d", input.shape(), input, weight, bias, stride, padding, dilation, groups);
}

// conv1d = conv2d on [N, C, 1, L] with a [C_out, C_in/groups, 1, K] weight.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding,
              int64_t dilation, int64_t groups) {
  check_tensors("conv1d", input, weight, bias);
  if (input.ndim() == 2) return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
  check_channels("conv1d", input.shape(), weight.shape(), bias, groups, 1, false);
  Tensor y = conv2d_4d("conv1d", input.shape(), input.unsqueeze(2), weight.unsqueeze(2), bias, Int2(1, stride),
                       Int2(0, padding), Int2(1, dilation), groups);
  return y.squeeze(2);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Int2 stride, Int2 padding,
                        Int2 output_padding, int64_t groups, Int2 dilation) {
  const char* op = "conv_transpose2d";
  check_tensors(op, input, weight, bias);
  if (input.ndim() == 3)
    return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation)
        .squeeze(0);
  const Shape& xs = input.shape();
  const Shape& ws = weight.shape();
  const int64_t c_out = check_channels(op, xs, ws, bias, groups, 2, true);
  NABLA_CHECK(stride.h >= 1 && stride.w >= 1 && dilation.h >= 1 && dilation.w >= 1 && padding.h >= 0 &&
                  padding.w >= 0 && output_padding.h >= 0 && output_padding.w >= 0,
              op, "stride and dilation must be positive, padding and output_padding non-negative, got stride ",
              stride.str(), ", padding ", padding.str(), ", output_padding ", output_padding.str(), ", dilation ",
              dilation.str());
  NABLA_CHECK((output_padding.h < stride.h || output_padding.h < dilation.h) &&
                  (output_padding.w < stride.w || output_padding.w < dilation.w),
              op, "output_padding ", output_padding.str(), " must be smaller than either stride ", stride.str(),
              " or dilation ", dilation.str());
  const int64_t oh = (xs[2] - 1) * stride.h - 2 * padding.h + dilation.h * (ws[2] - 1) + output_padding.h + 1;
  const int64_t ow = (xs[3] - 1) * stride.w - 2 * padding.w + dilation.w * (ws[3] - 1) + output_padding.w + 1;
  NABLA_CHECK(oh >= 1 && ow >= 1, op, "the output size (", oh, ", ", ow, ") for the input of shape ", shape_str(xs),
              " is too small (padding ", padding.str(), " exceeds the kernel)");
  // The conv2d this is the transpose of maps [N, c_out, oh, ow] to the input's shape.
  Conv2dGeometry g{xs[0], c_out,    oh,       ow,        xs[1],     xs[2],      xs[3],      ws[2],
                   ws[3], stride.h, stride.w, padding.h, padding.w, dilation.h, dilation.w, groups};
  return conv_transpose2d_op(input, weight, bias, g);
}

Tensor conv2d_weight(const Tensor& input, const Shape& weight_size, const Tensor& grad_output, Int2 stride,
                     Int2 padding, Int2 dilation, int64_t groups) {
  const char* op = "conv2d_weight";
  NABLA_CHECK(input.defined() && grad_output.defined(), op, "input and grad_output must be defined tensors");
  NABLA_CHECK(is_floating(input.dtype()) && input.dtype() == grad_output.dtype(), op,
              "input and grad_output must share one floating dtype, got ", dtype_name(input.dtype()), " and ",
              dtype_name(grad_output.dtype()));
  NABLA_CHECK(input.device() == grad_output.device(), op, "input and grad_output must be on one device");
  const Shape& xs = input.shape();
  const int64_t c_out = check_channels(op, xs, weight_size, Tensor(), groups, 2, false);
  const int64_t oh = conv_out_size(op, xs, xs[2], weight_size[2], stride.h, padding.h, dilation.h);
  const int64_t ow = conv_out_size(op, xs, xs[3], weight_size[3], stride.w, padding.w, dilation.w);
  const Shape expected{xs[0], c_out, oh, ow};
  NABLA_CHECK(grad_output.shape() == expected, op, "grad_output of shape ", shape_str(grad_output.shape()),
              " does not match the conv2d output ", shape_str(expected), " for the input of shape ", shape_str(xs),
              " and the weight size ", shape_str(weight_size));
  return conv2d_weight_op(input, grad_output,
                          geometry(xs, weight_size, c_out, oh, ow, stride, padding, dilation, groups));
}

}  // namespace nabla::nn::functional
