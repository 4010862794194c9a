// Convolution layers: a bank of learned filters slid over the input
// (nn/functional/conv.h has the formulas and shapes).
//
//   Conv1d:          x [N, C_in, L]    -> [N, C_out, L_out]     weight [C_out, C_in/groups, K]
//   Conv2d:          x [N, C_in, H, W] -> [N, C_out, OH, OW]    weight [C_out, C_in/groups, KH, KW]
//   ConvTranspose2d: x [N, C_in, H, W] -> [N, C_out, OH, OW]    weight [C_in, C_out/groups, KH, KW]
//   bias [C_out] (absent with bias = false). Unbatched inputs work too.
//
// Weights and bias start as PyTorch's: U(-1/√fan_in, 1/√fan_in) with
// fan_in = weight.shape[1] · KH · KW (nn::init::default_linear_init_).
//
//   nn::Conv2d conv(1, 6, 5, /*stride=*/1, /*padding=*/2);   // LeNet's first layer
//   Tensor y = conv(x);                                      // [64, 1, 28, 28] -> [64, 6, 28, 28]
#pragma once
#include <string>

#include "functional/int2.h"
#include "module.h"

namespace nabla::nn {

class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1, int64_t padding = 0,
         int64_t dilation = 1, int64_t groups = 1, bool bias = true);

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "3, 6, kernel_size=(3,), stride=(1,)"

  int64_t in_channels, out_channels, kernel_size, stride, padding, dilation, groups;
  Tensor weight, bias;
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, Int2 stride = 1, Int2 padding = 0,
         Int2 dilation = 1, int64_t groups = 1, bool bias = true);

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2)"

  int64_t in_channels, out_channels;
  Int2 kernel_size, stride, padding, dilation;
  int64_t groups;
  Tensor weight, bias;
};

// Argument order as PyTorch's ConvTranspose2d (groups and bias before dilation).
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, Int2 stride = 1, Int2 padding = 0,
                  Int2 output_padding = 0, int64_t groups = 1, bool bias = true, Int2 dilation = 1);

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "6, 3, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1)"

  int64_t in_channels, out_channels;
  Int2 kernel_size, stride, padding, output_padding, dilation;
  int64_t groups;
  Tensor weight, bias;
};

}  // namespace nabla::nn
