// Loss functions (torch.nn.functional semantics, argument names and
// defaults). Each computes a loss per element (or per sample), then reduces:
//   Reduction::None  the unreduced losses
//   Reduction::Mean  their mean (the default; weighted losses divide by the
//                    total weight instead, see cross_entropy)
//   Reduction::Sum   their sum
//   Reduction::BatchMean  sum / batch size: kl_div only (the true KL
//                    divergence per sample); other losses reject it.
//
// Regression, x = input, t = target, d = x - t (same shapes; unlike PyTorch,
// which warns and broadcasts, a shape mismatch is an error - it is nearly
// always a bug, e.g. [N, 1] against [N]):
//   mse_loss        d²
//   l1_loss         |d|
//   smooth_l1_loss  ½ d² / beta  if |d| < beta,  else |d| - ½ beta
//   huber_loss      ½ d²         if |d| < delta, else delta (|d| - ½ delta)
//
// Classification, logits x [N, C] (or [C], or [N, C, d1, ...]) and
// int64 class indices t [N] ([], [N, d1, ...]):
//   cross_entropy   with ε = label_smoothing, log p = log_softmax(x) over C:
//                     loss_i = (1-ε) w[t_i] (-log p[i, t_i]) + ε/C Σ_c w[c] (-log p[i, c])
//                   0 where t_i == ignore_index. Mean divides the sum by
//                   Σ_{i not ignored} w[t_i] (the count of non-ignored
//                   samples without weights). Computed by one fused kernel
//                   that never materialises log p.
//                   With float class-probability targets t of x's shape:
//                     loss_i = -Σ_c w[c] t'[i, c] log p[i, c],  t' = (1-ε) t + ε/C
//                   and Mean divides by the number of samples N·d1·...
//   nll_loss        log-probabilities x: loss_i = -w[t_i] x[i, t_i], ignore
//                   and Mean as cross_entropy (cross_entropy = nll_loss ∘
//                   log_softmax when ε = 0).
//   binary_cross_entropy  probabilities x in [0, 1]:
//                     -w (t log x + (1-t) log(1-x)), each log clamped at -100
//   binary_cross_entropy_with_logits  logits x, stably:
//                     (1-t) x + l·softplus(-x),  l = 1 + (pos_weight - 1) t
//                   (= max(x,0) - x t + log(1 + e^-|x|) without pos_weight);
//                   weight and pos_weight broadcast against x (pos_weight
//                   typically [C], one per class of a multi-label output).
//   kl_div          x = log q, t = p (or log p with log_target):
//                     p (log p - x)   (0 where p = 0)
//                   BatchMean gives the KL divergence averaged over x.size(0).
//   margin_ranking_loss  max(0, -y (x1 - x2) + margin), y = ±1
//
// Class weights (weight [C]) are constants: no gradient flows into them.
// Targets of the regression/binary/KL losses are differentiable.
#pragma once
#include <cstdint>

#include "../../tensor/tensor.h"

namespace nabla::nn::functional {

enum class Reduction { None, Mean, Sum, BatchMean };
// "none", "mean", "sum", "batchmean" (PyTorch's spelling).
const char* reduction_name(Reduction r);

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, double delta = 1.0);

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     int64_t ignore_index = -100, Reduction reduction = Reduction::Mean, double label_smoothing = 0.0);
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(), int64_t ignore_index = -100,
                Reduction reduction = Reduction::Mean);

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        Reduction reduction = Reduction::Mean, const Tensor& pos_weight = Tensor());

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
              bool log_target = false);

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = 0.0,
                           Reduction reduction = Reduction::Mean);

}  // namespace nabla::nn::functional
