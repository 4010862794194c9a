// OneCycleLR: the 1cycle policy (Smith & Topin, "Super-Convergence"), as
// torch.optim.lr_scheduler.OneCycleLR. Stepped once per batch.
//
// With T = total_steps, p = pct_start, γ_max = max_lr,
// γ_init = γ_max / div_factor, γ_min = γ_init / final_div_factor:
//   two phases (default):   steps 0 → pT−1      γ_init → γ_max
//                           steps pT−1 → T−1    γ_max  → γ_min
//   three_phase:            steps 0 → pT−1      γ_init → γ_max
//                           steps pT−1 → 2pT−2  γ_max  → γ_init
//                           steps 2pT−2 → T−1   γ_init → γ_min
// each phase annealed by  anneal(a, b, x) = b + (a − b)·(1 + cos πx)/2   ("cos")
//                     or  anneal(a, b, x) = a + (b − a)·x                ("linear")
// with x the fraction of the phase done. With cycle_momentum, the momentum
// (SGD, RMSprop: "momentum"; Adam: "beta1") moves the other way, between
// max_momentum (at γ_init) and base_momentum (at γ_max). The constructor
// writes "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"
// into each group, as PyTorch does. Stepping past total_steps is an Error.
//
//   optim::OneCycleLR sched(sgd, {0.1}, /*total_steps=*/epochs * batches);
#pragma once
#include <string>
#include <vector>

#include "lr_scheduler.h"

namespace nabla::optim {

struct OneCycleOptions {
  double pct_start = 0.3;               // fraction of the cycle spent increasing the lr
  std::string anneal_strategy = "cos";  // "cos" or "linear"
  bool cycle_momentum = true;
  double base_momentum = 0.85;    // momentum at the peak lr
  double max_momentum = 0.95;     // momentum at the start and the end
  double div_factor = 25.0;       // initial_lr = max_lr / div_factor
  double final_div_factor = 1e4;  // min_lr = initial_lr / final_div_factor
  bool three_phase = false;
};

class OneCycleLR : public LRScheduler {
 public:
  // max_lr: one value per group, or one value for all of them.
  OneCycleLR(Optimizer& optimizer, std::vector<double> max_lr, int64_t total_steps, OneCycleOptions options = {});
  int64_t total_steps() const { return total_steps_; }

 private:
  struct Phase {
    double end_step;
    const char *start_lr, *end_lr, *start_momentum, *end_momentum;  // group option names
  };
  std::vector<double> get_lr() override;
  double anneal(double start, double end, double pct) const;

  int64_t total_steps_;
  OneCycleOptions options_;
  std::vector<Phase> phases_;
  const char* momentum_name_ = nullptr;  // "momentum" or "beta1" when cycling
};

}  // namespace nabla::optim
