#include "reduce_lr_on_plateau.h"

#include <algorithm>
#include <limits>

#include "scheduler_state.h"

namespace nabla::optim {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options)
    : optimizer_(optimizer), options_(std::move(options)) {
  const PlateauOptions& o = options_;
  const size_t groups = optimizer_.param_groups().size();
  NABLA_CHECK(o.factor < 1.0, "ReduceLROnPlateau", "factor should be < 1.0, got ", o.factor);
  NABLA_CHECK(o.mode == "min" || o.mode == "max", "ReduceLROnPlateau", "mode must be 'min' or 'max', got '", o.mode,
              "'");
  NABLA_CHECK(o.threshold_mode == "rel" || o.threshold_mode == "abs", "ReduceLROnPlateau",
              "threshold_mode must be 'rel' or 'abs', got '", o.threshold_mode, "'");
  if (options_.min_lr.size() == 1) options_.min_lr.resize(groups, options_.min_lr[0]);
  NABLA_CHECK(options_.min_lr.size() == groups, "ReduceLROnPlateau", "expected ", groups, " min_lrs, got ",
              options_.min_lr.size());
  // The worst value for the mode: any first metric improves on it.
  best_ = o.mode == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  for (const ParamGroup& g : optimizer_.param_groups()) last_lr_.push_back(g.lr());
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const PlateauOptions& o = options_;
  if (o.mode == "min" && o.threshold_mode == "rel") return a < best * (1. - o.threshold);
  if (o.mode == "min") return a < best - o.threshold;
  if (o.threshold_mode == "rel") return a > best * (o.threshold + 1.);
  return a > best + o.threshold;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience) {
    reduce_lr();
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const ParamGroup& g : optimizer_.param_groups()) last_lr_.push_back(g.lr());
}

void ReduceLROnPlateau::reduce_lr() {
  std::vector<ParamGroup>& groups = optimizer_.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    const double old_lr = groups[g].lr();
    const double new_lr = std::max(old_lr * options_.factor, options_.min_lr[g]);
    if (old_lr - new_lr > options_.eps) groups[g].set_lr(new_lr);
  }
}

StateDict ReduceLROnPlateau::state_dict() const {
  StateDict sd;
  sd.insert("last_epoch", detail::int_scalar(last_epoch_));
  sd.insert("best", scalar_tensor(best_, kFloat64));
  sd.insert("num_bad_epochs", detail::int_scalar(num_bad_epochs_));
  sd.insert("cooldown_counter", detail::int_scalar(cooldown_counter_));
  sd.insert("last_lr", detail::doubles_tensor(last_lr_));
  return sd;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& sd) {
  const std::string op = "ReduceLROnPlateau.load_state_dict";
  std::vector<double> last_lr = detail::doubles(sd, "last_lr", op);
  NABLA_CHECK(last_lr.size() == optimizer_.param_groups().size(), op, "the state is for ", last_lr.size(),
              " parameter group(s) but the optimizer has ", optimizer_.param_groups().size());
  const int64_t last_epoch = detail::int_value(sd, "last_epoch", op);
  const double best = detail::double_value(sd, "best", op);
  const int64_t bad = detail::int_value(sd, "num_bad_epochs", op),
                cooldown = detail::int_value(sd, "cooldown_counter", op);
  last_epoch_ = last_epoch;
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
  last_lr_ = last_lr;
}

}  // namespace nabla::optim
