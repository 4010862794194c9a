// Loss modules: each holds its options (and class weights, as buffers, so
// they follow to(device) and appear in the state dict as in PyTorch) and
// calls the function of the same name in nn/functional/loss.h, where the
// formulas are. They take two inputs:
//
//   nn::CrossEntropyLoss criterion(class_weights, -100, nn::Reduction::Mean, 0.1);
//   Tensor loss = criterion(logits, labels);   // = forward(logits, labels)
//   loss.backward();
#pragma once
#include <string>

#include "functional/loss.h"
#include "module.h"

namespace nabla::nn {

using functional::Reduction;

// What every two-input loss shares: forward(input, target) and reduction.
class Loss : public Module {
 public:
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }

  Reduction reduction;

 protected:
  Loss(std::string type_name, Reduction reduction_) : Module(std::move(type_name)), reduction(reduction_) {}
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : Loss("MSELoss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::Mean) : Loss("L1Loss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class SmoothL1Loss : public Loss {
 public:
  explicit SmoothL1Loss(Reduction reduction = Reduction::Mean, double beta_ = 1.0)
      : Loss("SmoothL1Loss", reduction), beta(beta_) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double beta;
};

class HuberLoss : public Loss {
 public:
  explicit HuberLoss(Reduction reduction = Reduction::Mean, double delta_ = 1.0)
      : Loss("HuberLoss", reduction), delta(delta_) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double delta;
};

// input: logits [N, C] (or [C], [N, C, d1, ...]); target: int64 class
// indices [N] or class probabilities of the input's shape.
class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(Tensor weight = Tensor(), int64_t ignore_index = -100,
                            Reduction reduction = Reduction::Mean, double label_smoothing = 0.0);
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;  // buffer "weight" [C] when given
  int64_t ignore_index;
  double label_smoothing;
};

// input: log-probabilities [N, C] (or [C], [N, C, d1, ...]); target: int64 [N].
class NLLLoss : public Loss {
 public:
  explicit NLLLoss(Tensor weight = Tensor(), int64_t ignore_index = -100, Reduction reduction = Reduction::Mean);
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;  // buffer "weight" [C] when given
  int64_t ignore_index;
};

// input: probabilities in [0, 1]; target: same shape.
class BCELoss : public Loss {
 public:
  explicit BCELoss(Tensor weight = Tensor(), Reduction reduction = Reduction::Mean);
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;  // buffer "weight" (broadcast to the input) when given
};

// input: logits; target: same shape, in [0, 1].
class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(Tensor weight = Tensor(), Reduction reduction = Reduction::Mean,
                             Tensor pos_weight = Tensor());
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight, pos_weight;  // buffers "weight", "pos_weight" when given
};

// input: log-probabilities; target: probabilities (log-probabilities with log_target).
class KLDivLoss : public Loss {
 public:
  explicit KLDivLoss(Reduction reduction = Reduction::Mean, bool log_target_ = false)
      : Loss("KLDivLoss", reduction), log_target(log_target_) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  bool log_target;
};

// Three inputs: forward(input1, input2, target), target = ±1.
class MarginRankingLoss : public Module {
 public:
  explicit MarginRankingLoss(double margin_ = 0.0, Reduction reduction_ = Reduction::Mean)
      : Module("MarginRankingLoss"), margin(margin_), reduction(reduction_) {}
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  Tensor operator()(const Tensor& input1, const Tensor& input2, const Tensor& target) {
    return forward(input1, input2, target);
  }
  double margin;
  Reduction reduction;
};

}  // namespace nabla::nn
