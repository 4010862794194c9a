// RMSprop, as torch.optim.RMSprop.
//
//   g  = ∇θ                          (−∇θ with maximize)
//   g  = g + λ·θ                     weight decay λ
//   v  = α·v + (1 − α)·g²            square_avg
//   ḡ  = α·ḡ + (1 − α)·g             grad_avg (centered only)
//   s  = √(v − ḡ²) + ε   centered,   else   s = √v + ε
//   b  = μ·b + g/s;  θ = θ − γ·b     momentum μ > 0 (momentum_buffer)
//   θ  = θ − γ·g/s                   momentum 0
//
// Options and defaults: lr 1e-2, alpha 0.99, eps 1e-8, weight_decay 0,
// momentum 0, centered 0, maximize 0. State per parameter: square_avg,
// grad_avg (centered), momentum_buffer (momentum > 0).
//
//   optim::RMSprop rms(model.parameters(), {{"lr", 1e-3}, {"centered", 1}});
#pragma once
#include "optimizer.h"

namespace nabla::optim {

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const Options& options = {});
  RMSprop(std::vector<ParamGroup> groups, const Options& defaults = {});

 private:
  void check_options(const Options& options) const override;
  void update(const ParamGroup& group, const std::vector<ParamUpdate>& params) override;
};

}  // namespace nabla::optim
