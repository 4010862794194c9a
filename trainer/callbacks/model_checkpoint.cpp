#include "model_checkpoint.h"

#include <filesystem>

#include "../../tensor/creation.h"
#include "../trainer.h"

namespace nabla::trainer {

ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options)
    : options_(std::move(options)), monitor_(options_.monitor, options_.mode), best_(monitor_.worst()) {
  NABLA_CHECK(options_.every_n_steps >= 0, "ModelCheckpoint", "every_n_steps must be >= 0, got ",
              options_.every_n_steps);
  std::filesystem::create_directories(options_.dir);
}

void ModelCheckpoint::on_epoch_end(Trainer& trainer) {
  if (options_.save_best) {
    std::optional<double> value = monitor_.value_in(trainer.metrics());  // none: no validation this epoch
    if (value && monitor_.is_better(*value, best_)) {
      best_ = *value;
      best_epoch_ = trainer.epoch();
      trainer.request_checkpoint(best_path());
    }
  }
  if (options_.save_last) trainer.request_checkpoint(last_path());
}

void ModelCheckpoint::on_batch_end(Trainer& trainer, const data::Batch&, const StepOutput&) {
  if (options_.every_n_steps > 0 && trainer.step() % options_.every_n_steps == 0)
    trainer.request_checkpoint(last_path());
}

void ModelCheckpoint::on_save(Trainer&, StateDict& state) {
  state.insert("best", scalar_tensor(best_, kFloat64));
  state.insert("best_epoch", scalar_tensor(static_cast<double>(best_epoch_), kInt64));
}

void ModelCheckpoint::on_load(Trainer&, const StateDict& state) {
  best_ = state.at("best").item<double>();
  best_epoch_ = state.at("best_epoch").item<int64_t>();
}

}  // namespace nabla::trainer
