// Stepping a learning-rate scheduler from the trainer, so the training
// step never has to (Lightning's lr_scheduler "interval").
//
//   optim::OneCycleLR sched(sgd, ...);                        // per batch
//   trainer.add_callback(std::make_shared<LRSchedulerCallback>(sched, Interval::Step));
//   optim::StepLR decay(sgd, 30, 0.1);                        // per epoch
//   trainer.add_callback(std::make_shared<LRSchedulerCallback>(decay, Interval::Epoch));
//   optim::ReduceLROnPlateau plateau(sgd);                    // on a metric
//   trainer.add_callback(std::make_shared<PlateauCallback>(plateau, "val/loss"));
//
// Step: after every optimizer step (so with gradient accumulation, once per
// accumulated step). Epoch: at each epoch's end, after validation. The
// scheduler's state is saved in checkpoints (the lrs themselves live in the
// optimizer's). The scheduler is the caller's and must outlive the trainer.
#pragma once
#include <string>

#include "../../optim/lr_scheduler.h"
#include "../../optim/reduce_lr_on_plateau.h"
#include "../callback.h"

namespace nabla::trainer {

enum class Interval { Step, Epoch };

class LRSchedulerCallback : public Callback {
 public:
  LRSchedulerCallback(optim::LRScheduler& scheduler, Interval interval, std::string name = "lr_scheduler");
  std::string name() const override { return name_; }
  void on_after_optimizer_step(Trainer& trainer) override;
  void on_epoch_end(Trainer& trainer) override;
  void on_save(Trainer&, StateDict& state) override { state.merge(scheduler_.state_dict()); }
  void on_load(Trainer&, const StateDict& state) override { scheduler_.load_state_dict(state); }

 private:
  optim::LRScheduler& scheduler_;
  Interval interval_;
  std::string name_;
};

// ReduceLROnPlateau fed with an epoch metric (skipped on epochs without it).
class PlateauCallback : public Callback {
 public:
  PlateauCallback(optim::ReduceLROnPlateau& scheduler, std::string monitor = "val/loss", std::string name = "plateau");
  std::string name() const override { return name_; }
  void on_epoch_end(Trainer& trainer) override;
  void on_save(Trainer&, StateDict& state) override { state.merge(scheduler_.state_dict()); }
  void on_load(Trainer&, const StateDict& state) override { scheduler_.load_state_dict(state); }

 private:
  optim::ReduceLROnPlateau& scheduler_;
  std::string monitor_, name_;
};

}  // namespace nabla::trainer
