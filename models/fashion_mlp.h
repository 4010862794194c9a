// fashion_mlp: the multi-layer perceptron of the Fashion-MNIST examples and
// benchmarks, 784 -> 128 -> relu -> 64 -> relu -> 10 by default.
//
//   auto net = models::fashion_mlp();          // 109,386 parameters
//   Tensor logits = (*net)(images);            // [B, 1, 28, 28] or [B, 784] -> [B, 10]
//
// It is a Sequential of two children:
//   flatten  nn::Flatten()   [B, C, H, W] -> [B, C·H·W]; a [B, 784] batch passes unchanged
//   mlp      nn::MLP(in_features, hidden, classes, ReLU, dropout)  (nn/mlp.h)
// nn::MLP fuses each hidden ReLU into its Linear, so its children are the
// Linears alone ("0", "1", "2"), with a Dropout between them when
// dropout > 0 (then the Linears are "0", "2", "4"). The state dict of the
// default model therefore reads
//   mlp.0.weight [128, 784]   mlp.0.bias [128]
//   mlp.1.weight [64, 128]    mlp.1.bias [64]
//   mlp.2.weight [10, 64]     mlp.2.bias [10]
// where PyTorch's nn.Sequential(Flatten, Linear, ReLU, Linear, ReLU, Linear)
// says 1.*, 3.*, 5.* (tests/data/make_zoo_fixtures.py maps one to the other).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../nn/module.h"

namespace nabla::models {

std::shared_ptr<nn::Module> fashion_mlp(int64_t in_features = 784, std::vector<int64_t> hidden = {128, 64},
                                        int64_t classes = 10, double dropout = 0.0);

}  // namespace nabla::models
