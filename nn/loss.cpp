#include "loss.h"

namespace nabla::nn {

namespace F = functional;

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) { return F::mse_loss(input, target, reduction); }

Tensor L1Loss::forward(const Tensor& input, const Tensor& target) { return F::l1_loss(input, target, reduction); }

Tensor SmoothL1Loss::forward(const Tensor& input, const Tensor& target) {
  return F::smooth_l1_loss(input, target, reduction, beta);
}

Tensor HuberLoss::forward(const Tensor& input, const Tensor& target) {
  return F::huber_loss(input, target, reduction, delta);
}

// Weights are buffers (saved, moved with the module, never trained); an
// absent weight registers nothing, as PyTorch's None buffer.
CrossEntropyLoss::CrossEntropyLoss(Tensor weight_, int64_t ignore_index_, Reduction reduction_, double label_smoothing_)
    : Loss("CrossEntropyLoss", reduction_), ignore_index(ignore_index_), label_smoothing(label_smoothing_) {
  if (weight_.defined()) weight = register_buffer("weight", weight_);
}

Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing);
}

NLLLoss::NLLLoss(Tensor weight_, int64_t ignore_index_, Reduction reduction_)
    : Loss("NLLLoss", reduction_), ignore_index(ignore_index_) {
  if (weight_.defined()) weight = register_buffer("weight", weight_);
}

Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  return F::nll_loss(input, target, weight, ignore_index, reduction);
}

BCELoss::BCELoss(Tensor weight_, Reduction reduction_) : Loss("BCELoss", reduction_) {
  if (weight_.defined()) weight = register_buffer("weight", weight_);
}

Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, weight, reduction);
}

BCEWithLogitsLoss::BCEWithLogitsLoss(Tensor weight_, Reduction reduction_, Tensor pos_weight_)
    : Loss("BCEWithLogitsLoss", reduction_) {
  if (weight_.defined()) weight = register_buffer("weight", weight_);
  if (pos_weight_.defined()) pos_weight = register_buffer("pos_weight", pos_weight_);
}

Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight);
}

Tensor KLDivLoss::forward(const Tensor& input, const Tensor& target) {
  return F::kl_div(input, target, reduction, log_target);
}

Tensor MarginRankingLoss::forward(const Tensor& input1, const Tensor& input2, const Tensor& target) {
  return F::margin_ranking_loss(input1, input2, target, margin, reduction);
}

}  // namespace nabla::nn
