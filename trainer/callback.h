// Callback: code that runs at fixed points of Trainer::fit, to add a feature
// without touching the loop (checkpoints, early stopping, schedulers, EMA).
//
// The order of one fit():
//
//   on_fit_start
//   for each epoch:
//     on_epoch_start                     (not on a resume in the middle of an epoch)
//     for each batch:
//       on_batch_start
//       training_step -> loss.backward()
//       [every accumulate_grad_batches batches, and at the epoch's end:]
//         on_before_optimizer_step       (gradients complete: clipping)
//         optimizer.step(); zero_grad()
//         on_after_optimizer_step        (EMA, per-step schedulers)
//       on_batch_end
//     on_validation_start / on_validation_end   (when there is a validation loader)
//     on_epoch_end                        (the epoch's metrics are in trainer.metrics())
//   on_fit_end
//
// on_save / on_load: a callback with state (a best score, a patience count,
// a scheduler) writes it into the StateDict it is given, under any names it
// likes; the trainer stores it in checkpoints under "callback.<name>." and
// hands the same entries back to on_load. Scalars go in as 0-d tensors
// (scalar_tensor(3.0, kFloat64)). name() must be unique within a trainer.
#pragma once
#include <map>
#include <string>

#include "../tensor/state_dict.h"

namespace nabla::data {
struct Batch;
}

namespace nabla::trainer {

class Trainer;
struct StepOutput;

class Callback {
 public:
  virtual ~Callback() = default;
  // The key of this callback's state in checkpoints.
  virtual std::string name() const = 0;

  virtual void on_fit_start(Trainer&) {}
  virtual void on_fit_end(Trainer&) {}
  virtual void on_epoch_start(Trainer&) {}
  virtual void on_epoch_end(Trainer&) {}
  virtual void on_batch_start(Trainer&, const data::Batch&) {}
  virtual void on_batch_end(Trainer&, const data::Batch&, const StepOutput&) {}
  virtual void on_before_optimizer_step(Trainer&) {}
  virtual void on_after_optimizer_step(Trainer&) {}
  virtual void on_validation_start(Trainer&) {}
  // `metrics` holds what validation measured, named "val/loss", "val/accuracy", ...
  virtual void on_validation_end(Trainer&, const std::map<std::string, double>& /*metrics*/) {}

  virtual void on_save(Trainer&, StateDict& /*state*/) {}
  virtual void on_load(Trainer&, const StateDict& /*state*/) {}
};

}  // namespace nabla::trainer
