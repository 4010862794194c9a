// Learning-rate schedulers, as torch.optim.lr_scheduler: each one rewrites
// the "lr" of every parameter group of an optimizer, once per step().
//
//   optim::SGD sgd(model.parameters(), {{"lr", 0.1}, {"momentum", 0.9}});
//   optim::StepLR sched(sgd, /*step_size=*/30, /*gamma=*/0.1);
//   for (int epoch = 0; epoch < 100; ++epoch) {
//     train_one_epoch(sgd);     // calls sgd.step()
//     sched.step();             // after the optimizer's step, as in PyTorch
//   }
//
// With γ₀ a group's initial lr and e = last_epoch (0 after construction,
// +1 per step()), the schedules are:
//   StepLR                      γ₀ · gammaʲ, j = ⌊e / step_size⌋
//   MultiStepLR                 γ₀ · gammaʲ, j = number of milestones <= e
//   ExponentialLR               γ₀ · gammaᵉ
//   CosineAnnealingLR           η_min + (γ₀ − η_min)·(1 + cos(π·e/T_max))/2
//   CosineAnnealingWarmRestarts the same with e counted from the last
//                               restart, periods T_0, T_0·T_mult, ...
//   LinearWarmup                γ₀ · (s + (1 − s)·e/N) for e < N, then
//                               another scheduler (optional) takes over
// (OneCycleLR and ReduceLROnPlateau have their own headers.) Like PyTorch,
// step() computes each value from the previous lr (the "chainable" form),
// so other changes to the lr compose; the values match PyTorch's to the
// last bit or so. Group lrs are read and written through the group options,
// and the initial lr is kept there as "initial_lr" (as PyTorch does).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "optimizer.h"

namespace nabla::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances one epoch (or batch) and writes the new lrs into the optimizer.
  virtual void step();
  // The lrs written by the last step (or the constructor), one per group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return optimizer_; }
  const std::string& name() const { return name_; }

  // last_epoch, base_lrs, last_lr (and a scheduler's own counters). The
  // hyper-parameters (gamma, ...) are the constructor's, not saved. Restore
  // the optimizer's state_dict too: the current lrs live there.
  virtual StateDict state_dict() const;
  virtual void load_state_dict(const StateDict& state);

  // As PyTorch's step(0): back to epoch 0 with the lrs of the closed form.
  // LinearWarmup calls it on the scheduler that takes over after warmup.
  virtual void restart();

 protected:
  // Records every group's "initial_lr" (its lr, unless an earlier scheduler
  // set one) as the base lrs. Derived constructors end with initial_step().
  LRScheduler(Optimizer& optimizer, std::string name);
  // PyTorch's constructor step: last_epoch becomes 0 and lrs are applied.
  void initial_step() { step(); }
  // The lrs at last_epoch_ from the current group lrs (chainable form).
  virtual std::vector<double> get_lr() = 0;
  // The lrs at last_epoch_ from base_lrs_ alone (PyTorch's _get_closed_form_lr).
  virtual std::vector<double> closed_form_lr() { return get_lr(); }
  // Writes lrs into the groups and remembers them as the last lrs.
  void apply(const std::vector<double>& lrs);
  std::vector<double> group_lrs() const;  // the lrs the groups hold now

  Optimizer& optimizer_;
  std::string name_;
  friend class LinearWarmup;  // sets the last_epoch of the scheduler it hands over to
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  std::vector<double> last_lr_;
};

// lr × gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 private:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  int64_t step_size_;
  double gamma_;
};

// lr × gamma at each milestone epoch (a milestone listed twice applies gamma²).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 private:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  std::vector<int64_t> milestones_;  // sorted
  double gamma_;
};

// lr × gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 private:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  double gamma_;
};

// Half a cosine from the initial lr down to eta_min over T_max epochs (and
// back up over the next T_max, as PyTorch's recursive form does).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);  // NOLINT: PyTorch's names

 private:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  int64_t T_max_;
  double eta_min_;
};

// SGDR: cosine annealing restarted every T_i epochs, T_0 first, each period
// T_mult times longer than the last. step(epoch) accepts fractional epochs
// (call it once per batch with epoch + batch / num_batches), as PyTorch.
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1,  // NOLINT: PyTorch's names
                              double eta_min = 0.0);
  void step() override;
  void step(double epoch);
  void restart() override { step(0.0); }
  double T_cur() const { return T_cur_; }
  int64_t T_i() const { return T_i_; }
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 private:
  std::vector<double> get_lr() override;
  int64_t T_0_, T_i_, T_mult_;
  double eta_min_, T_cur_;
};

// Linear warmup over `warmup_steps` steps, from start_factor × the initial
// lr up to the initial lr: lr = γ₀ · (s + (1 − s)·e/N) (PyTorch's
// LinearLR with end_factor 1). With `after`, that scheduler takes over at
// step N, started afresh, exactly as PyTorch's
//   SequentialLR(opt, [LinearLR(opt, s, 1.0, N), after], milestones=[N]).
// Construct `after` on the same optimizer first, then the warmup:
//   auto cosine = std::make_shared<optim::CosineAnnealingLR>(adam, 90);
//   optim::LinearWarmup sched(adam, 10, 0.01, cosine);
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, int64_t warmup_steps, double start_factor = 1.0 / 3,
               std::shared_ptr<LRScheduler> after = nullptr);
  void step() override;
  const std::shared_ptr<LRScheduler>& after() const { return after_; }
  StateDict state_dict() const override;  // the `after` scheduler's under "after."
  void load_state_dict(const StateDict& state) override;

 private:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  int64_t warmup_steps_;
  double start_factor_;
  std::shared_ptr<LRScheduler> after_;
};

}  // namespace nabla::optim
