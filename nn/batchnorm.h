// BatchNorm1d / BatchNorm2d: normalise each channel with the statistics of
// the current batch while training, and with running estimates of them at
// evaluation, then scale and shift each channel (weight, bias [C]):
//
//   y = (x - E[x]) / sqrt(Var[x] + eps) · weight + bias
//
// E and the biased Var over the batch and every position (all axes but 1).
// Each training step also updates, in place and without autograd,
//   running_mean = (1 - momentum) running_mean + momentum E[x]
//   running_var  = (1 - momentum) running_var  + momentum n/(n-1) Var[x]
// and counts the step in num_batches_tracked (int64). momentum = nullopt
// (PyTorch's momentum=None) makes the running statistics the cumulative
// average of every batch seen: momentum = 1 / num_batches_tracked.
// Without track_running_stats there are no buffers and batch statistics
// are used in evaluation too. Buffer names are PyTorch's, so state dicts
// load in both directions.
//
//   BatchNorm1d: input [N, C] or [N, C, L];  BatchNorm2d: input [N, C, H, W].
#pragma once
#include <optional>
#include <string>

#include "module.h"

namespace nabla::nn {

// What BatchNorm1d and BatchNorm2d share (PyTorch's _BatchNorm); they only
// differ in the input ranks they accept.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  // "16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True"
  std::string extra_repr() const override;
  // running_mean = 0, running_var = 1, num_batches_tracked = 0.
  void reset_running_stats();

  int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine;
  bool track_running_stats;
  Tensor weight, bias;                                    // [C], ones and zeros; undefined without affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined without track_running_stats

 protected:
  BatchNorm(std::string type_name, int64_t num_features, double eps, std::optional<double> momentum, bool affine,
            bool track_running_stats);
  // Throws unless the input has a rank this layer accepts.
  virtual void check_input_dim(const Tensor& input) const = 0;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true);

 protected:
  void check_input_dim(const Tensor& input) const override;
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true);

 protected:
  void check_input_dim(const Tensor& input) const override;
};

}  // namespace nabla::nn
