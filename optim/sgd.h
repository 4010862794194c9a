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

namespace nabla::kernels {
struct SgdHyper;
}

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

  // A group's options as numbers. Stepping in backward, each parameter's
  // update comes on its own, and reading the six options by name took ~0.1
  // µs each time: there they are read once per backward pass (a change made
  // during a pass applies from the next), elsewhere at every update().
  struct GroupOptions {
    double lr, momentum, dampening, weight_decay;
    bool nesterov, maximize;
  };
  GroupOptions options_of(const ParamGroup& group);
  static kernels::SgdHyper hyper(const GroupOptions& o, bool first_step);
  uint64_t options_pass_ = 0;  // the backward pass options_ were read in, 0 for none
  const ParamGroup* options_group_ = nullptr;
  GroupOptions options_{};
};

}  // namespace nabla::optim
