// Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW.
//
//   g  = ∇θ                               (−∇θ with maximize)
//   g  = g + λ·θ                          Adam: weight decay λ as an L2 penalty
//   θ  = θ − γ·λ·θ                        AdamW: decay decoupled from the gradient
//   m  = β₁·m + (1 − β₁)·g                first moment  (exp_avg)
//   v  = β₂·v + (1 − β₂)·g²               second moment (exp_avg_sq)
//   v̂  = max(v̂, v)   with amsgrad, else v̂ = v     (max_exp_avg_sq)
//   θ  = θ − γ/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
// where t counts this parameter's updates (1 at the first) and γ is lr.
//
// Options and defaults: lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8,
// weight_decay 0 (AdamW: 1e-2), amsgrad 0, maximize 0. (PyTorch's
// betas=(b1, b2) tuple is two options here, so OneCycleLR can cycle beta1.)
// State per parameter: exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad).
//
//   optim::AdamW adamw(model.parameters(), {{"lr", 3e-4}, {"weight_decay", 0.05}});
#pragma once
#include "optimizer.h"

namespace nabla::optim {

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const Options& options = {});
  Adam(std::vector<ParamGroup> groups, const Options& defaults = {});

 protected:
  // AdamW's constructors: the same update with decoupled weight decay.
  Adam(const char* name, bool decoupled_weight_decay, std::vector<ParamGroup> groups, const Options& defaults);

 private:
  void check_options(const Options& options) const override;
  void update(const ParamGroup& group, const std::vector<ParamUpdate>& params) override;
  bool decoupled_weight_decay_ = false;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const Options& options = {});
  AdamW(std::vector<ParamGroup> groups, const Options& defaults = {});
};

}  // namespace nabla::optim
