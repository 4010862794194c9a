// SGD: stochastic gradient descent with momentum, as torch.optim.SGD.
//
//   g  = ∇θ                        (−∇θ with maximize)
//   g  = g + λ·θ                   weight decay λ (an L2 penalty)
//   b  = g                         first step       } momentum μ ≠ 0,
//   b  = μ·b + (1 − τ)·g           later steps      } dampening τ
//   g  = g + μ·b  (nesterov)   or   g = b
//   θ  = θ − γ·g                   learning rate γ
//
// Options and defaults: lr (required), momentum 0, dampening 0,
// weight_decay 0, nesterov 0 (needs momentum > 0 and dampening 0),
// maximize 0. State per parameter: momentum_buffer (when momentum ≠ 0).
//
//   optim::SGD sgd(model.parameters(), {{"lr", 0.1}, {"momentum", 0.9}, {"nesterov", 1}});
#pragma once
#include "optimizer.h"

namespace nabla::optim {

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const Options& options);
  SGD(std::vector<ParamGroup> groups, const Options& defaults);

 private:
  void check_options(const Options& options) const override;
  void update(const ParamGroup& group, const std::vector<ParamUpdate>& params) override;
  // With momentum, past the first step: the fused GEMM and update of
  // kernels::sgd_step_product where it takes the product.
  bool update_from_product(const ParamGroup& group, const Tensor& param, ParamState& state, const Tensor& a,
                           const Tensor& b) override;
};

}  // namespace nabla::optim
