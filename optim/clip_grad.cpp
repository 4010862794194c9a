#include "clip_grad.h"

#include <algorithm>
#include <cmath>

#include "../autograd/grad_mode.h"
#include "../autograd/ops/arithmetic.h"
#include "../autograd/ops/compare.h"
#include "../autograd/ops/reduce.h"
#include "../autograd/ops/unary.h"

namespace nabla::optim {
namespace {
// The defined .grads, each made contiguous (and stored back) so that an
// in-place write never goes through a broadcast view.
std::vector<Tensor> writable_grads(const std::vector<Tensor>& params) {
  std::vector<Tensor> grads;
  for (const Tensor& p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    if (!g.is_contiguous()) {
      g = g.contiguous();
      p.set_grad(g);
    }
    grads.push_back(g);
  }
  return grads;
}
}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  NABLA_CHECK(norm_type > 0, "clip_grad_norm_", "norm_type must be positive (or INFINITY), got ", norm_type);
  NoGradGuard no_grad;
  std::vector<Tensor> grads = writable_grads(params);
  if (grads.empty()) return 0.0;

  // Accumulated in double whatever the gradients' dtype.
  double total = 0.0;
  for (const Tensor& g : grads) {
    if (std::isinf(norm_type))
      total = std::max(total, max(abs(g)).item<double>());
    else if (norm_type == 2.0)
      total += sum(square(g)).item<double>();
    else if (norm_type == 1.0)
      total += sum(abs(g)).item<double>();
    else
      total += sum(pow(abs(g), norm_type)).item<double>();
  }
  if (!std::isinf(norm_type)) total = norm_type == 2.0 ? std::sqrt(total) : std::pow(total, 1.0 / norm_type);

  NABLA_CHECK(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_", "the total norm of order ", norm_type,
              " of the gradients is ", total, ", so they cannot be clipped; to scale them by the non-finite norm ",
              "anyway, pass error_if_nonfinite = false");
  const double clip_coef = max_norm / (total + 1e-6);
  if (!(clip_coef >= 1.0))  // also when NaN: the gradients become NaN, as in PyTorch
    for (Tensor& g : grads) g.mul_(clip_coef);
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  NABLA_CHECK(clip_value >= 0, "clip_grad_value_", "clip_value must be >= 0, got ", clip_value);
  NoGradGuard no_grad;
  for (Tensor& g : writable_grads(params)) g.copy_(clip(g, -clip_value, clip_value));
}

}  // namespace nabla::optim
