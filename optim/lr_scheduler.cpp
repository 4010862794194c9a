// Each get_lr() below is PyTorch 1.13's, operation for operation (same
// order of floating-point operations), so the lr sequences agree to the bit.
#include "lr_scheduler.h"

#include <algorithm>
#include <cmath>

#include "../autograd/grad_mode.h"
#include "../tensor/creation.h"
#include "scheduler_state.h"

namespace nabla::optim {

constexpr double kPi = 3.141592653589793;  // Python's math.pi

// ---- LRScheduler ------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer& optimizer, std::string name) : optimizer_(optimizer), name_(std::move(name)) {
  for (ParamGroup& g : optimizer_.param_groups()) {
    if (!g.has("initial_lr")) g.set("initial_lr", g.lr());  // an earlier scheduler's initial lr wins
    base_lrs_.push_back(g.get("initial_lr"));
  }
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const ParamGroup& g : optimizer_.param_groups()) lrs.push_back(g.lr());
  return lrs;
}

void LRScheduler::apply(const std::vector<double>& lrs) {
  std::vector<ParamGroup>& groups = optimizer_.param_groups();
  NABLA_CHECK(lrs.size() == groups.size(), name_, "the optimizer has ", groups.size(), " parameter group(s) but the ",
              "scheduler was made for ", lrs.size(), " (add groups before making the scheduler)");
  for (size_t g = 0; g < groups.size(); ++g) groups[g].set_lr(lrs[g]);
  last_lr_ = lrs;
}

void LRScheduler::step() {
  last_epoch_ += 1;
  apply(get_lr());
}

void LRScheduler::restart() {
  last_epoch_ = 0;
  apply(closed_form_lr());
}

StateDict LRScheduler::state_dict() const {
  StateDict sd;
  sd.insert("last_epoch", detail::int_scalar(last_epoch_));
  sd.insert("base_lrs", detail::doubles_tensor(base_lrs_));
  sd.insert("last_lr", detail::doubles_tensor(last_lr_));
  return sd;
}

void LRScheduler::load_state_dict(const StateDict& sd) {
  const std::string op = name_ + ".load_state_dict";
  const size_t groups = optimizer_.param_groups().size();
  std::vector<double> base_lrs = detail::doubles(sd, "base_lrs", op), last_lr = detail::doubles(sd, "last_lr", op);
  NABLA_CHECK(base_lrs.size() == groups && last_lr.size() == groups, op, "the state is for ", base_lrs.size(),
              " parameter group(s) but the optimizer has ", groups);
  last_epoch_ = detail::int_value(sd, "last_epoch", op);
  base_lrs_ = base_lrs;
  last_lr_ = last_lr;
}

// ---- StepLR -----------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer, "StepLR"), step_size_(step_size), gamma_(gamma) {
  NABLA_CHECK(step_size > 0, name_, "step_size must be positive, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

std::vector<double> StepLR::closed_form_lr() {
  std::vector<double> lrs = base_lrs_;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(last_epoch_ / step_size_));
  return lrs;
}

// ---- MultiStepLR ------------------------------------------------------------------

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer, "MultiStepLR"), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(hits));
  return lrs;
}

std::vector<double> MultiStepLR::closed_form_lr() {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  std::vector<double> lrs = base_lrs_;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(passed));
  return lrs;
}

// ---- ExponentialLR ----------------------------------------------------------------

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer, "ExponentialLR"), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

std::vector<double> ExponentialLR::closed_form_lr() {
  std::vector<double> lrs = base_lrs_;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(last_epoch_));
  return lrs;
}

// ---- CosineAnnealingLR ------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingLR"), T_max_(T_max), eta_min_(eta_min) {
  NABLA_CHECK(T_max > 0, name_, "T_max must be positive, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  if (last_epoch_ == 0) return lrs;
  if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
    // At the bottom of the cosine: the ratio below would divide by zero, so
    // step up by the first increment of the next half period.
    for (size_t g = 0; g < lrs.size(); ++g) lrs[g] = lrs[g] + (base_lrs_[g] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    return lrs;
  }
  // lr_e - η_min = (lr_{e-1} - η_min) · (1 + cos(π e/T)) / (1 + cos(π (e-1)/T))
  for (double& lr : lrs)
    lr = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lr - eta_min_) + eta_min_;
  return lrs;
}

std::vector<double> CosineAnnealingLR::closed_form_lr() {
  std::vector<double> lrs = base_lrs_;
  const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  for (double& lr : lrs) lr = eta_min_ + (lr - eta_min_) * (1 + std::cos(kPi * e / T)) / 2;
  return lrs;
}

// ---- CosineAnnealingWarmRestarts --------------------------------------------------

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult,
                                                         double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingWarmRestarts"),
      T_0_(T_0),
      T_i_(T_0),
      T_mult_(T_mult),
      eta_min_(eta_min),
      T_cur_(-1) {
  NABLA_CHECK(T_0 > 0, name_, "expected a positive integer T_0, got ", T_0);
  NABLA_CHECK(T_mult >= 1, name_, "expected an integer T_mult >= 1, got ", T_mult);
  initial_step();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> lrs = base_lrs_;
  for (double& lr : lrs) lr = eta_min_ + (lr - eta_min_) * (1 + std::cos(kPi * T_cur_ / static_cast<double>(T_i_))) / 2;
  return lrs;
}

void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) return step(0.0);  // the constructor's step
  last_epoch_ += 1;
  T_cur_ += 1;
  if (T_cur_ >= static_cast<double>(T_i_)) {  // restart
    T_cur_ -= static_cast<double>(T_i_);
    T_i_ *= T_mult_;
  }
  apply(get_lr());
}

void CosineAnnealingWarmRestarts::step(double epoch) {
  NABLA_CHECK(epoch >= 0, name_, "expected a non-negative epoch, got ", epoch);
  const double T_0 = static_cast<double>(T_0_);
  if (epoch >= T_0) {
    if (T_mult_ == 1) {
      T_cur_ = std::fmod(epoch, T_0);
    } else {
      // The period n we are in: T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch.
      const auto n = static_cast<int64_t>(std::log(epoch / T_0 * static_cast<double>(T_mult_ - 1) + 1) /
                                          std::log(static_cast<double>(T_mult_)));
      int64_t T_mult_n = 1;
      for (int64_t k = 0; k < n; ++k) T_mult_n *= T_mult_;
      T_cur_ = epoch - static_cast<double>(T_0_ * (T_mult_n - 1)) / static_cast<double>(T_mult_ - 1);
      T_i_ = T_0_ * T_mult_n;
    }
  } else {
    T_i_ = T_0_;
    T_cur_ = epoch;
  }
  last_epoch_ = static_cast<int64_t>(std::floor(epoch));
  apply(get_lr());
}

StateDict CosineAnnealingWarmRestarts::state_dict() const {
  StateDict sd = LRScheduler::state_dict();
  sd.insert("T_cur", scalar_tensor(T_cur_, kFloat64));
  sd.insert("T_i", detail::int_scalar(T_i_));
  return sd;
}

void CosineAnnealingWarmRestarts::load_state_dict(const StateDict& sd) {
  const std::string op = name_ + ".load_state_dict";
  const double T_cur = detail::double_value(sd, "T_cur", op);
  const int64_t T_i = detail::int_value(sd, "T_i", op);
  NABLA_CHECK(T_i > 0, op, "T_i must be positive, got ", T_i);
  LRScheduler::load_state_dict(sd);
  T_cur_ = T_cur;
  T_i_ = T_i;
}

// ---- LinearWarmup -----------------------------------------------------------------

LinearWarmup::LinearWarmup(Optimizer& optimizer, int64_t warmup_steps, double start_factor,
                           std::shared_ptr<LRScheduler> after)
    : LRScheduler(optimizer, "LinearWarmup"),
      warmup_steps_(warmup_steps),
      start_factor_(start_factor),
      after_(std::move(after)) {
  NABLA_CHECK(warmup_steps > 0, name_, "warmup_steps must be positive, got ", warmup_steps);
  NABLA_CHECK(start_factor >= 0 && start_factor <= 1, name_, "start_factor must be in [0, 1], got ", start_factor);
  if (after_) {
    NABLA_CHECK(&after_->optimizer() == &optimizer, name_, "the scheduler that takes over (", after_->name(),
                ") must belong to the same optimizer");
    // As SequentialLR: undo what `after`'s constructor did to the lrs; it
    // waits (last_epoch -1) until the warmup ends.
    for (ParamGroup& g : optimizer_.param_groups()) g.set_lr(g.get("initial_lr"));
    after_->last_epoch_ -= 1;
  }
  initial_step();
}

void LinearWarmup::step() {
  if (!after_ || last_epoch_ + 1 < warmup_steps_) return LRScheduler::step();
  last_epoch_ += 1;
  if (last_epoch_ == warmup_steps_)
    after_->restart();
  else
    after_->step();
  last_lr_ = after_->get_last_lr();
}

// PyTorch's LinearLR with end_factor = 1: lr_e = lr_{e-1} · f_e / f_{e-1}, f_e = s + (1 - s) e / N.
std::vector<double> LinearWarmup::get_lr() {
  std::vector<double> lrs = group_lrs();
  const double s = start_factor_, N = static_cast<double>(warmup_steps_), e = static_cast<double>(last_epoch_);
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * s;
  } else if (last_epoch_ <= warmup_steps_) {
    for (double& lr : lrs) lr = lr * (1. + (1.0 - s) / (N * s + (e - 1) * (1.0 - s)));
  }
  return lrs;
}

std::vector<double> LinearWarmup::closed_form_lr() {
  std::vector<double> lrs = base_lrs_;
  const double s = start_factor_, N = static_cast<double>(warmup_steps_);
  const double e = static_cast<double>(std::min(warmup_steps_, last_epoch_));
  for (double& lr : lrs) lr = lr * (s + (1.0 - s) * e / N);
  return lrs;
}

StateDict LinearWarmup::state_dict() const {
  StateDict sd = LRScheduler::state_dict();
  if (after_) sd.merge(after_->state_dict(), "after.");
  return sd;
}

void LinearWarmup::load_state_dict(const StateDict& sd) {
  if (after_) {
    const std::string op = name_ + ".load_state_dict";
    StateDict inner = sd.with_prefix_removed("after.");
    NABLA_CHECK(!inner.empty(), op, "the state has no 'after.*' entries for the scheduler that takes over (",
                after_->name(), ")");
    after_->load_state_dict(inner);
  }
  LRScheduler::load_state_dict(sd);
}

}  // namespace nabla::optim
