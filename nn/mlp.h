// MLP: the multi-layer perceptron everyone writes first, in one line.
//
//   nn::MLP net(784, {128, 64}, 10);   // 784 -> 128 -> relu -> 64 -> relu -> 10
//
// Each hidden layer is a Linear with its activation fused in (one op per
// layer; nn/functional/linear.h), optionally followed by Dropout; the last
// layer has no activation (it produces logits). Children are "0", "1", …
// (the Linears, with Dropouts between them when dropout > 0).
#pragma once
#include <vector>

#include "container.h"
#include "functional/linear.h"

namespace nabla::nn {

class MLP : public Sequential {
 public:
  MLP(int64_t in_features, const std::vector<int64_t>& hidden, int64_t out_features,
      functional::Activation activation = functional::Activation::ReLU, double dropout = 0.0);
};

}  // namespace nabla::nn
