// ModelEma: an exponential moving average of a model's weights, as timm's
// ModelEmaV2 (or torch.optim.swa_utils.AveragedModel with an EMA). The
// average is often a better model to evaluate than the last weights.
//
//   d = min(decay, (1 + n) / (10 + n))   with warmup (n = updates made before), else d = decay
//   θ̄ = d·θ̄ + (1 − d)·θ                  for every tracked tensor, after each optimizer step
//
// Built from a module it tracks every entry of module.state_dict():
// parameters and persistent buffers (BatchNorm's running statistics) are
// averaged, integer buffers (num_batches_tracked) are copied.
//
//   optim::ModelEma ema(*model, 0.999, /*warmup=*/true);
//   for (...) { ...; opt.step(); ema.update(); }
//   ema.store(); ema.copy_to();  evaluate(*model);  ema.restore();
#pragma once
#include <string>
#include <vector>

#include "../nn/module.h"
#include "../tensor/state_dict.h"

namespace nabla::optim {

class ModelEma {
 public:
  explicit ModelEma(const nn::Module& module, double decay = 0.9999, bool warmup = false);
  // Tracks these tensors, named "0", "1", ... in shadow() and state_dict().
  explicit ModelEma(const std::vector<Tensor>& tensors, double decay = 0.9999, bool warmup = false);

  // One averaging step (no graph is recorded).
  void update();
  // The decay the next update() will use.
  double current_decay() const;
  double decay() const { return decay_; }
  int64_t num_updates() const { return num_updates_; }
  // The averages by name (the tensors are the EMA's own: do not write them).
  StateDict shadow() const;

  // Writes the averages into the tracked tensors (the live model) ...
  void copy_to();
  // ... or into another module with the same state_dict() names (an eval copy).
  void copy_to(nn::Module& module) const;
  // Keeps a copy of the tracked tensors' values for restore(), so a model
  // can be evaluated with averaged weights and then trained on.
  void store();
  void restore();

  // "num_updates" (int64 0-d) and "shadow.<name>".
  StateDict state_dict() const;
  // Checks that every name is present with the right shape and dtype, then copies.
  void load_state_dict(const StateDict& state);

 private:
  void init(std::vector<std::pair<std::string, Tensor>> named);

  std::vector<std::string> names_;
  std::vector<Tensor> tracked_;  // the live tensors (shared with the model)
  std::vector<Tensor> shadow_;   // the averages (contiguous, our own)
  std::vector<Tensor> stored_;   // store()'s copies
  double decay_;
  bool warmup_;
  int64_t num_updates_ = 0;
};

}  // namespace nabla::optim
