#include "batchnorm.h"

#include <sstream>

#include "../autograd/grad_mode.h"
#include "../tensor/creation.h"
#include "functional/norm.h"

namespace nabla::nn {

BatchNorm::BatchNorm(std::string type_name, int64_t num_features_, double eps_, std::optional<double> momentum_,
                     bool affine_, bool track_running_stats_)
    : Module(std::move(type_name)),
      num_features(num_features_),
      eps(eps_),
      momentum(momentum_),
      affine(affine_),
      track_running_stats(track_running_stats_) {
  NABLA_CHECK(num_features > 0, this->type_name(), "num_features must be positive, got ", num_features);
  if (affine) {
    weight = register_parameter("weight", ones({num_features}));
    bias = register_parameter("bias", zeros({num_features}));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}));
    running_var = register_buffer("running_var", ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

void BatchNorm::reset_running_stats() {
  if (!track_running_stats) return;
  NoGradGuard no_grad;
  running_mean.fill_(0.0);
  running_var.fill_(1.0);
  num_batches_tracked.fill_(0.0);
}

Tensor BatchNorm::forward(const Tensor& input) {
  check_input_dim(input);
  NABLA_CHECK(input.shape()[1] == num_features, type_name() + ".forward", "expected ", num_features,
              " channels (dim 1) but got input of shape ", shape_str(input.shape()));
  // As PyTorch's _BatchNorm.forward: count the step, pick the averaging
  // factor, and use batch statistics whenever there are no running ones.
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    NoGradGuard no_grad;
    const double steps = num_batches_tracked.item<double>() + 1;
    num_batches_tracked.fill_(steps);
    if (!momentum) factor = 1.0 / steps;
  }
  const bool use_batch_stats = is_training() || !track_running_stats;
  // Running statistics are updated only while training (and tracked).
  const bool pass_stats = !is_training() || track_running_stats;
  return functional::batch_norm(input, pass_stats ? running_mean : Tensor(), pass_stats ? running_var : Tensor(),
                                weight, bias, use_batch_stats, factor, eps);
}

std::string BatchNorm::extra_repr() const {
  std::ostringstream os;
  os << num_features << ", eps=" << eps << ", momentum=";
  if (momentum)
    os << *momentum;
  else
    os << "None";
  os << ", affine=" << (affine ? "True" : "False")
     << ", track_running_stats=" << (track_running_stats ? "True" : "False");
  return os.str();
}

BatchNorm1d::BatchNorm1d(int64_t num_features_, double eps_, std::optional<double> momentum_, bool affine_,
                         bool track_running_stats_)
    : BatchNorm("BatchNorm1d", num_features_, eps_, momentum_, affine_, track_running_stats_) {}

void BatchNorm1d::check_input_dim(const Tensor& input) const {
  NABLA_CHECK(input.ndim() == 2 || input.ndim() == 3, "BatchNorm1d.forward",
              "expected a 2-D [N, C] or 3-D [N, C, L] input, got shape ", shape_str(input.shape()));
}

BatchNorm2d::BatchNorm2d(int64_t num_features_, double eps_, std::optional<double> momentum_, bool affine_,
                         bool track_running_stats_)
    : BatchNorm("BatchNorm2d", num_features_, eps_, momentum_, affine_, track_running_stats_) {}

void BatchNorm2d::check_input_dim(const Tensor& input) const {
  NABLA_CHECK(input.ndim() == 4, "BatchNorm2d.forward", "expected a 4-D [N, C, H, W] input, got shape ",
              shape_str(input.shape()));
}

}  // namespace nabla::nn
