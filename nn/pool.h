// Pooling layers (nn/functional/pool.h has the window formulas): each
// channel of each image is pooled on its own, [N, C, H, W] -> [N, C, OH, OW]
// (or [C, H, W] -> [C, OH, OW]). No parameters.
//
//   MaxPool2d:          the max of each window (stride defaults to kernel_size)
//   AvgPool2d:          the mean of each window
//   AdaptiveAvgPool2d:  means over output_size windows that tile the input,
//                       whatever its size (e.g. 7x7 -> 1x1 before a classifier)
//
//   nn::MaxPool2d pool(2);          // [64, 6, 28, 28] -> [64, 6, 14, 14]
#pragma once
#include <string>

#include "functional/int2.h"
#include "module.h"

namespace nabla::nn {

class MaxPool2d : public Module {
 public:
  // stride 0 means stride = kernel_size (PyTorch's None).
  explicit MaxPool2d(Int2 kernel_size, Int2 stride = 0, Int2 padding = 0, Int2 dilation = 1, bool ceil_mode = false);

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False"

  Int2 kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Int2 kernel_size, Int2 stride = 0, Int2 padding = 0, bool ceil_mode = false,
                     bool count_include_pad = true);

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "kernel_size=2, stride=2, padding=0"

  Int2 kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Int2 output_size);

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "output_size=(3, 4)"

  Int2 output_size;
};

}  // namespace nabla::nn
