// EmaCallback: keeps an exponential moving average of the model's weights
// (optim::ModelEma) through training, and validates with it.
//
//   auto ema = std::make_shared<EmaCallback>(0.999);
//   trainer.add_callback(ema);
//   trainer.fit(...);
//   ema->ema().copy_to();   // the averaged weights into the model, for testing or export
//
// After every optimizer step the average takes one update. Around
// validation (with validate_with_ema) the model's weights are swapped for
// the average and restored afterwards, so val/ metrics measure the EMA
// model while training continues on the raw weights. The average is saved
// in checkpoints.
#pragma once
#include <memory>

#include "../../optim/ema.h"
#include "../callback.h"

namespace nabla::trainer {

class EmaCallback : public Callback {
 public:
  explicit EmaCallback(double decay = 0.999, bool warmup = false, bool validate_with_ema = true);
  std::string name() const override { return "ema"; }

  void on_fit_start(Trainer& trainer) override { ensure(trainer); }
  void on_after_optimizer_step(Trainer& trainer) override;
  void on_validation_start(Trainer& trainer) override;
  void on_validation_end(Trainer& trainer, const std::map<std::string, double>& metrics) override;
  void on_save(Trainer& trainer, StateDict& state) override;
  void on_load(Trainer& trainer, const StateDict& state) override;

  // The average (made at the first fit() or load_checkpoint()).
  optim::ModelEma& ema();

 private:
  void ensure(Trainer& trainer);  // makes the ModelEma over trainer.model() once
  double decay_;
  bool warmup_, validate_with_ema_;
  std::unique_ptr<optim::ModelEma> ema_;
};

}  // namespace nabla::trainer
