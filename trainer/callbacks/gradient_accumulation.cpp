#include "gradient_accumulation.h"

#include "../trainer.h"

namespace nabla::trainer {

GradientAccumulation::GradientAccumulation(std::map<int64_t, int64_t> schedule) : schedule_(std::move(schedule)) {
  NABLA_CHECK(schedule_.count(0) == 1, "GradientAccumulation", "the schedule must say what epoch 0 uses");
  for (const auto& [epoch, k] : schedule_)
    NABLA_CHECK(epoch >= 0 && k >= 1, "GradientAccumulation", "epoch ", epoch, " -> ", k,
                ": epochs must be >= 0 and batch counts >= 1");
}

int64_t GradientAccumulation::batches_for(int64_t epoch) const {
  auto it = schedule_.upper_bound(epoch);  // the first entry after epoch; the one before it applies
  return std::prev(it)->second;
}

void GradientAccumulation::on_epoch_start(Trainer& trainer) {
  trainer.set_accumulate_grad_batches(batches_for(trainer.epoch()));
}

}  // namespace nabla::trainer
