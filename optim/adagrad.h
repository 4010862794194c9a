// Adagrad, as torch.optim.Adagrad.
//
//   g  = ∇θ                          (−∇θ with maximize)
//   g  = g + λ·θ                     weight decay λ
//   γ̃  = γ / (1 + (t − 1)·η)         lr γ decayed by lr_decay η; t = 1, 2, ...
//   s  = s + g²                      sum, starting at initial_accumulator_value
//   θ  = θ − γ̃·g / (√s + ε)
//
// Options and defaults: lr 1e-2, lr_decay 0, weight_decay 0,
// initial_accumulator_value 0, eps 1e-10, maximize 0. State per parameter:
// sum (made at the first step; PyTorch makes it in the constructor, with
// the same values).
//
//   optim::Adagrad adagrad(model.parameters(), {{"lr", 0.1}, {"lr_decay", 1e-3}});
#pragma once
#include "optimizer.h"

namespace nabla::optim {

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, const Options& options = {});
  Adagrad(std::vector<ParamGroup> groups, const Options& defaults = {});

 private:
  void check_options(const Options& options) const override;
  void update(const ParamGroup& group, const std::vector<ParamUpdate>& params) override;
};

}  // namespace nabla::optim
