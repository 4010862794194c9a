#include "early_stopping.h"

#include <sstream>

#include "../../tensor/creation.h"
#include "../trainer.h"

namespace nabla::trainer {

EarlyStopping::EarlyStopping(std::string monitor, std::string mode, int64_t patience, double min_delta)
    : monitor_(std::move(monitor), std::move(mode), min_delta), patience_(patience), best_(monitor_.worst()) {
  NABLA_CHECK(patience >= 1, "EarlyStopping", "patience must be >= 1, got ", patience);
}

void EarlyStopping::on_epoch_end(Trainer& trainer) {
  std::optional<double> value = monitor_.value_in(trainer.metrics());
  if (!value) return;
  if (monitor_.is_better(*value, best_)) {
    best_ = *value;
    best_epoch_ = trainer.epoch();
    bad_epochs_ = 0;
    return;
  }
  if (++bad_epochs_ >= patience_) {
    stopped_epoch_ = trainer.epoch();
    std::ostringstream why;
    why << "early stopping: " << monitor_.metric << " has not improved for " << bad_epochs_ << " epoch(s) (best "
        << best_ << " at epoch " << best_epoch_ << ")";
    trainer.request_stop(why.str());
  }
}

void EarlyStopping::on_save(Trainer&, StateDict& state) {
  state.insert("best", scalar_tensor(best_, kFloat64));
  state.insert("best_epoch", scalar_tensor(static_cast<double>(best_epoch_), kInt64));
  state.insert("bad_epochs", scalar_tensor(static_cast<double>(bad_epochs_), kInt64));
}

void EarlyStopping::on_load(Trainer&, const StateDict& state) {
  best_ = state.at("best").item<double>();
  best_epoch_ = state.at("best_epoch").item<int64_t>();
  bad_epochs_ = state.at("bad_epochs").item<int64_t>();
}

}  // namespace nabla::trainer
