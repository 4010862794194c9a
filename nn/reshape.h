// Shape-only modules, for use inside a Sequential.
//
//   Flatten(start_dim = 1, end_dim = -1): merges dims start..end into one
//     ([N, C, H, W] -> [N, C·H·W]); the batch dim stays, as PyTorch.
//   Unflatten(dim, sizes): splits dim `dim` into `sizes`
//     ([N, 784] with (1, {1, 28, 28}) -> [N, 1, 28, 28]).
//   Identity: y = x (a placeholder, e.g. to switch a layer off).
#pragma once
#include "module.h"

namespace nabla::nn {

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};

class Unflatten : public Module {
 public:
  Unflatten(int64_t dim, Shape sizes) : Module("Unflatten"), dim(dim), sizes(std::move(sizes)) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
  Shape sizes;
};

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

}  // namespace nabla::nn
