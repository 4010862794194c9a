#include "norm.h"

#include "../../autograd/grad_mode.h"
#include "../../autograd/ops/arithmetic.h"
#include "../../autograd/ops/reduce.h"
#include "../../autograd/ops/unary.h"
#include "../../autograd/ops/view.h"

namespace nabla::nn::functional {

namespace {

// The shape a per-channel [C] tensor takes to broadcast against x [N, C, *]:
// [1, C, 1, ...].
Shape channel_shape(const Tensor& x) {
  Shape s(static_cast<size_t>(x.ndim()), 1);
  s[1] = x.shape()[1];
  return s;
}

// An optional per-feature tensor must have exactly `shape`.
void check_param(const char* op, const char* name, const Tensor& p, const Shape& shape) {
  if (!p.defined()) return;
  NABLA_CHECK(p.shape() == shape, op, name, " has shape ", shape_str(p.shape()), ", expected ", shape_str(shape));
}

// weight and bias reshaped to `shape` (each optional).
Tensor affine(Tensor y, const Tensor& weight, const Tensor& bias, const Shape& shape) {
  if (weight.defined()) y = y * weight.reshape(shape);
  if (bias.defined()) y = y + bias.reshape(shape);
  return y;
}

// (x - mean) / sqrt(var + eps) over `axes` (biased variance). mean and var
// (keepdims) are returned through the pointers when asked for.
Tensor standardize(const Tensor& x, const Shape& axes, double eps, Tensor* mean_out = nullptr,
                   Tensor* var_out = nullptr) {
  Tensor mu = mean(x, axes, true);
  Tensor centered = x - mu;
  // The variance from the centered values (not E[x²] - E[x]², which loses
  // digits when the mean is large compared with the spread).
  Tensor var = mean(centered * centered, axes, true);
  if (mean_out) *mean_out = mu;
  if (var_out) *var_out = var;
  return centered * rsqrt(var + eps);
}

void check_floating(const char* op, const Tensor& x) {
  NABLA_CHECK(x.defined(), op, "the input is undefined");
  NABLA_CHECK(is_floating(x.dtype()), op, "expected a floating input, got ", dtype_name(x.dtype()));
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  const char* op = "batch_norm";
  check_floating(op, x);
  NABLA_CHECK(x.ndim() >= 2, op, "expected an input [N, C, *] with at least 2 dims, got shape ", shape_str(x.shape()));
  const int64_t channels = x.shape()[1];
  check_param(op, "running_mean", running_mean, {channels});
  check_param(op, "running_var", running_var, {channels});
  check_param(op, "weight", weight, {channels});
  check_param(op, "bias", bias, {channels});
  NABLA_CHECK(running_mean.defined() == running_var.defined(), op,
              "running_mean and running_var must be given together");
  const Shape cshape = channel_shape(x);

  if (!training) {
    NABLA_CHECK(running_mean.defined(), op, "evaluation mode (training = false) needs running_mean and running_var");
    // y = x·scale + shift with per-channel scale = weight/sqrt(rv + eps) and
    // shift = bias - rm·scale: two passes over x instead of four.
    Tensor scale = rsqrt(running_var.to(x.dtype()) + eps);
    if (weight.defined()) scale = scale * weight;
    Tensor shift = -running_mean.to(x.dtype()) * scale;
    if (bias.defined()) shift = shift + bias;
    return x * scale.reshape(cshape) + shift.reshape(cshape);
  }

  Shape axes = {0};
  for (int64_t d = 2; d < x.ndim(); ++d) axes.push_back(d);
  const int64_t count = x.numel() / (channels == 0 ? 1 : channels);
  NABLA_CHECK(count > 1, op, "expected more than 1 value per channel when training, got input of shape ",
              shape_str(x.shape()));
  Tensor batch_mean, batch_var;
  Tensor y = standardize(x, axes, eps, &batch_mean, &batch_var);
  if (running_mean.defined()) {
    // In place, outside the graph. The running variance estimates the
    // population variance, hence the unbiased n/(n-1) correction.
    NoGradGuard no_grad;
    const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
    Tensor rm = running_mean, rv = running_var;  // handles to the caller's buffers
    rm.mul_(1.0 - momentum).add_(batch_mean.detach().reshape({channels}), momentum);
    rv.mul_(1.0 - momentum).add_(batch_var.detach().reshape({channels}), momentum * unbias);
  }
  return affine(y, weight, bias, cshape);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const char* op = "layer_norm";
  check_floating(op, x);
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  NABLA_CHECK(k > 0, op, "normalized_shape must not be empty");
  bool matches = x.ndim() >= k;
  for (int64_t i = 0; matches && i < k; ++i) matches = x.shape()[x.ndim() - k + i] == normalized_shape[i];
  NABLA_CHECK(matches, op, "input of shape ", shape_str(x.shape()), " does not end with normalized_shape ",
              shape_str(normalized_shape));
  check_param(op, "weight", weight, normalized_shape);
  check_param(op, "bias", bias, normalized_shape);
  Shape axes;
  for (int64_t d = x.ndim() - k; d < x.ndim(); ++d) axes.push_back(d);
  return affine(standardize(x, axes, eps), weight, bias, normalized_shape);
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  const char* op = "group_norm";
  check_floating(op, x);
  NABLA_CHECK(x.ndim() >= 2, op, "expected an input [N, C, *] with at least 2 dims, got shape ", shape_str(x.shape()));
  const int64_t channels = x.shape()[1];
  NABLA_CHECK(num_groups > 0 && channels % num_groups == 0, op, "the number of channels ", channels, " (input shape ",
              shape_str(x.shape()), ") must be divisible by num_groups = ", num_groups);
  check_param(op, "weight", weight, {channels});
  check_param(op, "bias", bias, {channels});
  // [N, C, *] -> [N, G, C/G · spatial]: each group's values lie in one row.
  Tensor grouped = x.reshape({x.shape()[0], num_groups, -1});
  Tensor y = standardize(grouped, {2}, eps).reshape(x.shape());
  return affine(y, weight, bias, channel_shape(x));
}

}  // namespace nabla::nn::functional
