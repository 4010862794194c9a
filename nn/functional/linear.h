// linear: the affine map of a fully connected layer, optionally followed by
// an activation, as one op.
//
//   y = act(x Wᵀ + b)       x [..., in], W [out, in], b [out] -> y [..., out]
//
// With act = ReLU (or None) it is one fused primitive: one GEMM, then one
// pass adding the bias and applying the relu in place (kernels::bias_act),
// and a backward that needs only the output:
//   dz = dy · [y > 0]   (relu; dz = dy without activation)
//   dx = dz W,   dW = dzᵀ x,   db = Σ_rows dz
// Other activations are composed: act(linear(x, W, b)).
#pragma once
#include "../../tensor/tensor.h"

namespace nabla::nn::functional {

enum class Activation { None, ReLU, Tanh, Sigmoid, GELU, SiLU };

const char* activation_name(Activation act);

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Activation act = Activation::None);

// act(x) for an Activation value (None: x itself).
Tensor apply_activation(const Tensor& x, Activation act);

}  // namespace nabla::nn::functional
