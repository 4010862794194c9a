#include "ema_callback.h"

#include "../trainer.h"

namespace nabla::trainer {

EmaCallback::EmaCallback(double decay, bool warmup, bool validate_with_ema)
    : decay_(decay), warmup_(warmup), validate_with_ema_(validate_with_ema) {}

void EmaCallback::ensure(Trainer& trainer) {
  if (!ema_) ema_ = std::make_unique<optim::ModelEma>(trainer.model(), decay_, warmup_);
}

optim::ModelEma& EmaCallback::ema() {
  NABLA_CHECK(ema_ != nullptr, "EmaCallback::ema",
              "no average yet: it is made when fit() or load_checkpoint() "
              "first runs");
  return *ema_;
}

void EmaCallback::on_after_optimizer_step(Trainer& trainer) {
  ensure(trainer);
  ema_->update();
}

void EmaCallback::on_validation_start(Trainer& trainer) {
  ensure(trainer);
  if (!validate_with_ema_) return;
  ema_->store();
  ema_->copy_to();
}

void EmaCallback::on_validation_end(Trainer&, const std::map<std::string, double>&) {
  if (validate_with_ema_) ema_->restore();
}

void EmaCallback::on_save(Trainer& trainer, StateDict& state) {
  ensure(trainer);
  state.merge(ema_->state_dict());
}

void EmaCallback::on_load(Trainer& trainer, const StateDict& state) {
  ensure(trainer);
  ema_->load_state_dict(state);
}

}  // namespace nabla::trainer
