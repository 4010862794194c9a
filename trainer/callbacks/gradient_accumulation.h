// GradientAccumulation: how many batches' gradients to sum before each
// optimizer step, changing by epoch (Lightning's
// GradientAccumulationScheduler). Accumulating k batches of size B steps
// like one batch of k·B, in the memory of one batch of B.
//
//   // 1 batch per step for epochs 0-1, 4 from epoch 2, 8 from epoch 5
//   trainer.add_callback(std::make_shared<GradientAccumulation>(std::map<int64_t, int64_t>{{0, 1}, {2, 4}, {5, 8}}));
//
// (A constant k needs no callback: TrainerOptions::accumulate_grad_batches.)
// The value in force is saved with the trainer's counters, so a run
// resumed mid-epoch keeps it.
#pragma once
#include <cstdint>
#include <map>

#include "../callback.h"

namespace nabla::trainer {

class GradientAccumulation : public Callback {
 public:
  // epoch -> batches per step, from that epoch on (must contain epoch 0).
  explicit GradientAccumulation(std::map<int64_t, int64_t> schedule);
  std::string name() const override { return "gradient_accumulation"; }
  void on_epoch_start(Trainer& trainer) override;
  // The value for `epoch`.
  int64_t batches_for(int64_t epoch) const;

 private:
  std::map<int64_t, int64_t> schedule_;
};

}  // namespace nabla::trainer
