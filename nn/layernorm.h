// LayerNorm: normalises each sample over its trailing `normalized_shape`
// dims (the features of a token in a Transformer), then scales and shifts
// every feature with its own learned weight and bias:
//
//   y = (x - E[x]) / sqrt(Var[x] + eps) · weight + bias
//
// E and (biased) Var over the last len(normalized_shape) dims of x.
// weight starts at ones and bias at zeros, both of normalized_shape (absent
// when elementwise_affine is false). Same in training and evaluation.
//
//   nn::LayerNorm norm(512);            // x [batch, seq, 512]
//   nn::LayerNorm norm2({4, 4}, 1e-6);  // over the last two dims
//   Tensor y = norm(x);
#pragma once
#include <string>

#include "module.h"

namespace nabla::nn {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  // LayerNorm(512) for LayerNorm({512}). (One argument only: with more,
  // LayerNorm({3, 4}) would be ambiguous. Write LayerNorm({512}, 1e-6).)
  explicit LayerNorm(int64_t normalized_size) : LayerNorm(Shape{normalized_size}) {}

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "(512,), eps=1e-05, elementwise_affine=True"

  Shape normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;  // of normalized_shape; undefined without elementwise_affine
};

}  // namespace nabla::nn
