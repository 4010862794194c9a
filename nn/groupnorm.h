// GroupNorm: splits the C channels into num_groups groups and normalises,
// per sample, over each group's channels and all their positions, then
// scales and shifts each channel (weight, bias [C]):
//
//   y = (x - E[x]) / sqrt(Var[x] + eps) · weight + bias
//
// Independent of the batch size (unlike BatchNorm), same in training and
// evaluation. num_groups = 1 normalises over all of C and the positions;
// num_groups = C is InstanceNorm with affine parameters.
//
//   nn::GroupNorm norm(8, 64);          // x [N, 64, H, W]
#pragma once
#include <string>

#include "module.h"

namespace nabla::nn {

class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true);

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "8, 64, eps=1e-05, affine=True"

  int64_t num_groups, num_channels;
  double eps;
  bool affine;
  Tensor weight, bias;  // [num_channels], ones and zeros; undefined without affine
};

}  // namespace nabla::nn
