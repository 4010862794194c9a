#include "one_cycle_lr.h"

#include <cmath>

namespace nabla::optim {

OneCycleLR::OneCycleLR(Optimizer& optimizer, std::vector<double> max_lr, int64_t total_steps, OneCycleOptions options)
    : LRScheduler(optimizer, "OneCycleLR"), total_steps_(total_steps), options_(std::move(options)) {
  const OneCycleOptions& o = options_;
  NABLA_CHECK(total_steps > 0, name_, "expected a positive total_steps, got ", total_steps);
  NABLA_CHECK(o.pct_start >= 0 && o.pct_start <= 1, name_, "expected pct_start in [0, 1], got ", o.pct_start);
  NABLA_CHECK(o.anneal_strategy == "cos" || o.anneal_strategy == "linear", name_,
              "anneal_strategy must be 'cos' or 'linear', got '", o.anneal_strategy, "'");
  std::vector<ParamGroup>& groups = optimizer_.param_groups();
  if (max_lr.size() == 1) max_lr.resize(groups.size(), max_lr[0]);
  NABLA_CHECK(max_lr.size() == groups.size(), name_, "expected ", groups.size(), " values for max_lr, got ",
              max_lr.size());

  const double T = static_cast<double>(total_steps), p = o.pct_start;
  if (o.three_phase)
    phases_ = {{p * T - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {2 * p * T - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
               {T - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"}};
  else
    phases_ = {{p * T - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {T - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"}};

  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].set("initial_lr", max_lr[g] / o.div_factor);
    groups[g].set("max_lr", max_lr[g]);
    groups[g].set("min_lr", groups[g].get("initial_lr") / o.final_div_factor);
  }
  if (o.cycle_momentum) {
    const Options& defaults = optimizer_.defaults();
    NABLA_CHECK(defaults.count("momentum") || defaults.count("beta1"), name_, optimizer_.name(),
                " has no momentum to cycle (no 'momentum' or 'beta1' option); pass cycle_momentum = false");
    momentum_name_ = defaults.count("beta1") ? "beta1" : "momentum";
    for (ParamGroup& g : groups) {
      g.set(momentum_name_, o.max_momentum);
      g.set("max_momentum", o.max_momentum);
      g.set("base_momentum", o.base_momentum);
    }
  }
  base_lrs_.clear();  // the base constructor read them before initial_lr was set here
  for (const ParamGroup& g : groups) base_lrs_.push_back(g.get("initial_lr"));
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == "linear") return (end - start) * pct + start;
  const double cos_out = std::cos(3.141592653589793 * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

std::vector<double> OneCycleLR::get_lr() {
  const int64_t step_num = last_epoch_;
  NABLA_CHECK(step_num <= total_steps_, name_, "tried to step ", step_num + 1, " times; total_steps is ", total_steps_);
  const double t = static_cast<double>(step_num);
  std::vector<double> lrs;
  for (ParamGroup& group : optimizer_.param_groups()) {
    double start_step = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (t <= phase.end_step || i == phases_.size() - 1) {
        const double pct = (t - start_step) / (phase.end_step - start_step);
        lrs.push_back(anneal(group.get(phase.start_lr), group.get(phase.end_lr), pct));
        if (momentum_name_)
          group.set(momentum_name_, anneal(group.get(phase.start_momentum), group.get(phase.end_momentum), pct));
        break;
      }
      start_step = phase.end_step;
    }
  }
  return lrs;
}

}  // namespace nabla::optim
