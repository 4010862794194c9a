// LeNet5: the small convolutional network of LeCun et al. (1998), in the
// form commonly trained on 28x28 single-channel images (MNIST,
// Fashion-MNIST): ReLU instead of tanh, max instead of average pooling,
// and padding 2 on the first conv so 28x28 behaves like the original 32x32.
//
//   layer   op                                   output for x [B, 1, 28, 28]
//   conv1   Conv2d(1, 6, 5, padding=2), relu     [B, 6, 28, 28]
//   pool1   MaxPool2d(2)                         [B, 6, 14, 14]
//   conv2   Conv2d(6, 16, 5), relu               [B, 16, 10, 10]
//   pool2   MaxPool2d(2)                         [B, 16, 5, 5]
//   flatten Flatten()                            [B, 400]
//   fc1     Linear(400, 120) with fused relu     [B, 120]
//   fc2     Linear(120, 84) with fused relu      [B, 84]
//   fc3     Linear(84, 10)                       [B, 10]  (logits)
//
// 61,706 parameters for in_channels = 1, classes = 10. The state dict reads
// as PyTorch's natural module names: conv1.weight [6, 1, 5, 5], conv1.bias,
// conv2.weight [16, 6, 5, 5], conv2.bias, fc1.weight [120, 400], fc1.bias,
// fc2.weight [84, 120], fc2.bias, fc3.weight [10, 84], fc3.bias.
//
//   models::LeNet5 net;                 // or std::make_shared<models::LeNet5>(3, 10)
//   Tensor logits = net(images);        // [B, 1, 28, 28] -> [B, 10]
#pragma once
#include <memory>

#include "../nn/conv.h"
#include "../nn/linear.h"
#include "../nn/module.h"
#include "../nn/pool.h"
#include "../nn/reshape.h"

namespace nabla::models {

class LeNet5 : public nn::Module {
 public:
  explicit LeNet5(int64_t in_channels = 1, int64_t classes = 10);
  // x [B, in_channels, 28, 28] -> logits [B, classes].
  Tensor forward(const Tensor& x) override;

  int64_t in_channels, classes;
  std::shared_ptr<nn::Conv2d> conv1, conv2;
  std::shared_ptr<nn::MaxPool2d> pool1, pool2;
  std::shared_ptr<nn::Flatten> flatten;
  std::shared_ptr<nn::Linear> fc1, fc2, fc3;
};

}  // namespace nabla::models
