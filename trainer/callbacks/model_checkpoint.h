// ModelCheckpoint: keeps the best and the last checkpoint of a run, as
// Lightning's ModelCheckpoint / Keras's ModelCheckpoint(save_best_only).
//
//   ModelCheckpointOptions o;
//   o.dir = "runs/mlp";  o.monitor = "val/accuracy";  o.mode = "max";
//   trainer.add_callback(std::make_shared<ModelCheckpoint>(o));
//
// At each epoch's end (after validation):
//   <dir>/best.safetensors   when the monitored metric improved (save_best)
//   <dir>/last.safetensors   always (save_last)
// and, with every_n_steps = n > 0, last.safetensors every n batches too, so
// a crash loses at most n batches. Each file is a full trainer checkpoint
// (Trainer::load_checkpoint resumes from it), written atomically once every
// callback has run for that batch or epoch. The best score and where it
// was reached are saved in checkpoints, so a resumed run keeps comparing
// against the true best.
#pragma once
#include <string>

#include "../callback.h"
#include "monitor.h"

namespace nabla::trainer {

struct ModelCheckpointOptions {
  std::string dir = "checkpoints";
  std::string monitor = "val/loss";  // any name in Trainer::metrics()
  std::string mode = "min";
  bool save_best = true;
  bool save_last = true;
  int64_t every_n_steps = 0;
};

class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(ModelCheckpointOptions options = {});
  std::string name() const override { return "model_checkpoint"; }

  void on_epoch_end(Trainer& trainer) override;
  void on_batch_end(Trainer& trainer, const data::Batch& batch, const StepOutput& out) override;
  void on_save(Trainer& trainer, StateDict& state) override;
  void on_load(Trainer& trainer, const StateDict& state) override;

  std::string best_path() const { return options_.dir + "/best.safetensors"; }
  std::string last_path() const { return options_.dir + "/last.safetensors"; }
  double best_score() const { return best_; }         // ±inf before the first epoch
  int64_t best_epoch() const { return best_epoch_; }  // -1 before the first epoch

 private:
  ModelCheckpointOptions options_;
  Monitor monitor_;
  double best_;
  int64_t best_epoch_ = -1;
};

}  // namespace nabla::trainer
