// EarlyStopping: ends fit() when a metric has stopped improving, as Keras's
// and Lightning's EarlyStopping.
//
//   trainer.add_callback(std::make_shared<EarlyStopping>("val/loss", "min", /*patience=*/3));
//
// After each epoch that measured the metric: an improvement (Monitor:
// better than the best by more than min_delta) resets the count of bad
// epochs; otherwise the count grows, and when it reaches `patience` the
// trainer stops after this epoch. The best value and the count are saved in
// checkpoints.
#pragma once
#include <string>

#include "../callback.h"
#include "monitor.h"

namespace nabla::trainer {

class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(std::string monitor = "val/loss", std::string mode = "min", int64_t patience = 3,
                         double min_delta = 0.0);
  std::string name() const override { return "early_stopping"; }

  void on_epoch_end(Trainer& trainer) override;
  void on_save(Trainer& trainer, StateDict& state) override;
  void on_load(Trainer& trainer, const StateDict& state) override;

  double best() const { return best_; }
  int64_t bad_epochs() const { return bad_epochs_; }
  int64_t stopped_epoch() const { return stopped_epoch_; }  // -1 while running

 private:
  Monitor monitor_;
  int64_t patience_;
  double best_;
  int64_t best_epoch_ = -1, bad_epochs_ = 0, stopped_epoch_ = -1;
};

}  // namespace nabla::trainer
