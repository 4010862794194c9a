// GradientClipping: clips the gradients before every optimizer step, by
// their global norm (clip_grad_norm_, the usual cure for exploding
// gradients in RNNs and transformers) or element-wise by value.
//
//   trainer.add_callback(std::make_shared<GradientClipping>(1.0));              // norm
//   trainer.add_callback(std::make_shared<GradientClipping>(0.5, ClipBy::Value));
//
// With log_norm, the norm before clipping is logged as "train/grad_norm" at
// every optimizer step (a good first look when a run diverges).
#pragma once
#include "../callback.h"

namespace nabla::trainer {

enum class ClipBy { Norm, Value };

class GradientClipping : public Callback {
 public:
  explicit GradientClipping(double max, ClipBy by = ClipBy::Norm, double norm_type = 2.0, bool log_norm = false);
  std::string name() const override { return "gradient_clipping"; }
  void on_before_optimizer_step(Trainer& trainer) override;

 private:
  double max_;
  ClipBy by_;
  double norm_type_;
  bool log_norm_;
};

}  // namespace nabla::trainer
