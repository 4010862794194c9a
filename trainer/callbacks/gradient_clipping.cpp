#include "gradient_clipping.h"

#include "../../optim/clip_grad.h"
#include "../trainer.h"

namespace nabla::trainer {

GradientClipping::GradientClipping(double max, ClipBy by, double norm_type, bool log_norm)
    : max_(max), by_(by), norm_type_(norm_type), log_norm_(log_norm) {
  NABLA_CHECK(max > 0, "GradientClipping", "the clipping threshold must be > 0, got ", max);
}

void GradientClipping::on_before_optimizer_step(Trainer& trainer) {
  NABLA_CHECK(!trainer.options().step_in_backward, "GradientClipping",
              "with TrainerOptions::step_in_backward each gradient is used and dropped inside backward, so there "
              "is nothing to clip: turn one of the two off");
  const std::vector<Tensor> params = trainer.model().parameters();
  if (by_ == ClipBy::Value) {
    optim::clip_grad_value_(params, max_);
    return;
  }
  const double norm = optim::clip_grad_norm_(params, max_, norm_type_);
  if (log_norm_) trainer.log().log("train/grad_norm", norm, trainer.step(), trainer.epoch());
}

}  // namespace nabla::trainer
