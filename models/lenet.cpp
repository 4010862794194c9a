#include "lenet.h"

#include "../autograd/ops/activation.h"

namespace nabla::models {

using nn::functional::Activation;

LeNet5::LeNet5(int64_t in_channels, int64_t classes) : Module("LeNet5"), in_channels(in_channels), classes(classes) {
  NABLA_CHECK(in_channels > 0 && classes > 0, "LeNet5", "in_channels and classes must be positive, got ", in_channels,
              " and ", classes);
  // Registered in the order forward runs them, so repr() and summary() read top to bottom.
  conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(in_channels, 6, 5, /*stride=*/1, /*padding=*/2));
  pool1 = register_module("pool1", std::make_shared<nn::MaxPool2d>(2));
  conv2 = register_module("conv2", std::make_shared<nn::Conv2d>(6, 16, 5));
  pool2 = register_module("pool2", std::make_shared<nn::MaxPool2d>(2));
  flatten = register_module("flatten", std::make_shared<nn::Flatten>());
  // The fully connected relus are fused into their Linears (one pass over
  // the output, nn/functional/linear.h); the conv relus are separate ops.
  fc1 = register_module("fc1", std::make_shared<nn::Linear>(16 * 5 * 5, 120, true, Activation::ReLU));
  fc2 = register_module("fc2", std::make_shared<nn::Linear>(120, 84, true, Activation::ReLU));
  fc3 = register_module("fc3", std::make_shared<nn::Linear>(84, classes));
}

Tensor LeNet5::forward(const Tensor& x) {
  // fc1 expects 16·5·5 features, which only a 28x28 image gives: say so
  // here rather than let fc1 report a puzzling [..., 400] mismatch.
  NABLA_CHECK(x.ndim() == 4 && x.size(1) == in_channels && x.size(2) == 28 && x.size(3) == 28, "LeNet5.forward",
              "expected input [B, ", in_channels, ", 28, 28], got ", shape_str(x.shape()));
  // Children are called through operator() so their hooks (summary()) run.
  Tensor h = (*pool1)(relu((*conv1)(x)));
  h = (*pool2)(relu((*conv2)(h)));
  h = (*flatten)(h);
  return (*fc3)((*fc2)((*fc1)(h)));
}

}  // namespace nabla::models
