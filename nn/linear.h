// Linear: a fully connected layer, y = x Wᵀ + b (nn/functional/linear.h has
// the math). W [out_features, in_features] and b [out_features] start as
// PyTorch's: U(-1/√in_features, 1/√in_features).
//
// `activation` fuses an activation into the layer (one op instead of two:
// with ReLU, the bias add and the relu are one pass over the output):
//   nn::Linear fc(784, 128, true, nn::functional::Activation::ReLU);
#pragma once
#include "../tensor/generator.h"
#include "functional/linear.h"
#include "module.h"

namespace nabla::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true,
         functional::Activation activation = functional::Activation::None, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  int64_t in_features, out_features;
  functional::Activation activation;
  Tensor weight, bias;  // bias is undefined without bias
};

}  // namespace nabla::nn
