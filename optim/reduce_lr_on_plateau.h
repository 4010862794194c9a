// ReduceLROnPlateau: lowers the lr when a metric stops improving, as
// torch.optim.lr_scheduler.ReduceLROnPlateau. step(metric) once per epoch:
//
//   better(a)  mode "min", "rel":  a < best·(1 − threshold)
//              mode "min", "abs":  a < best − threshold
//              mode "max", "rel":  a > best·(1 + threshold)
//              mode "max", "abs":  a > best + threshold
//   a better metric becomes `best` and resets the count of bad epochs;
//   during `cooldown` epochs after a reduction bad epochs are not counted;
//   after more than `patience` bad epochs in a row, every group's lr becomes
//   max(lr·factor, min_lr), unless that changes it by eps or less.
//
//   optim::PlateauOptions o;
//   o.patience = 5;
//   optim::ReduceLROnPlateau sched(adam, o);
//   for (...) { train(); sched.step(validation_loss()); }
#pragma once
#include <string>
#include <vector>

#include "optimizer.h"

namespace nabla::optim {

struct PlateauOptions {
  std::string mode = "min";            // "min": lower is better; "max": higher is better
  double factor = 0.1;                 // new lr = lr · factor (< 1)
  int64_t patience = 10;               // bad epochs tolerated before a reduction
  double threshold = 1e-4;             // what counts as a significant improvement
  std::string threshold_mode = "rel";  // "rel" or "abs"
  int64_t cooldown = 0;                // epochs to wait after a reduction
  std::vector<double> min_lr = {0.0};  // one per group, or one for all
  double eps = 1e-8;                   // smaller lr changes are ignored
};

class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options);
  explicit ReduceLROnPlateau(Optimizer& optimizer) : ReduceLROnPlateau(optimizer, PlateauOptions()) {}
  ReduceLROnPlateau(const ReduceLROnPlateau&) = delete;
  ReduceLROnPlateau& operator=(const ReduceLROnPlateau&) = delete;

  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }

  // last_epoch, best, num_bad_epochs, cooldown_counter, last_lr.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 private:
  bool is_better(double a, double best) const;
  void reduce_lr();

  Optimizer& optimizer_;
  PlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace nabla::optim
