// Parameter initialisation, with PyTorch's formulas and defaults so that a
// model built here starts from the same distribution as its PyTorch twin.
//
//   fan_in  = shape[1] · receptive field,  fan_out = shape[0] · receptive field
//             (receptive field = product of shape[2:], 1 for a Linear weight)
//   gain:     linear/sigmoid/conv 1, tanh 5/3, relu √2,
//             leaky_relu √(2 / (1 + a²)), selu 3/4
//   xavier_uniform_:  U(-b, b),  b = gain · √(6 / (fan_in + fan_out))
//   xavier_normal_:   N(0, σ²),  σ = gain · √(2 / (fan_in + fan_out))
//   kaiming_uniform_: U(-b, b),  b = gain · √(3 / fan),  fan = fan_in or fan_out
//   kaiming_normal_:  N(0, σ²),  σ = gain / √fan
//   orthogonal_:      the Q of a QR of a normal matrix (rows or columns
//                     orthonormal), times gain; shape[1:] is flattened
//
// Linear and Conv layers use PyTorch's default: kaiming_uniform_(w, a = √5),
// which is U(-1/√fan_in, 1/√fan_in), and the same bound for the bias.
//
// Every function writes in place, without autograd, and returns its tensor.
#pragma once
#include <string>
#include <utility>

#include "../tensor/generator.h"
#include "../tensor/tensor.h"

namespace nabla::nn::init {

enum class FanMode { FanIn, FanOut };

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t);
// nonlinearity: "linear", "conv1d", "conv2d", "sigmoid", "tanh", "relu",
// "leaky_relu" (param = negative slope, default 0.01), "selu".
double calculate_gain(const std::string& nonlinearity, double param = 0.01);

Tensor uniform_(Tensor t, double low = 0.0, double high = 1.0, Generator& gen = default_generator());
Tensor normal_(Tensor t, double mean = 0.0, double stddev = 1.0, Generator& gen = default_generator());
Tensor constant_(Tensor t, double value);
Tensor zeros_(Tensor t);
Tensor ones_(Tensor t);
Tensor xavier_uniform_(Tensor t, double gain = 1.0, Generator& gen = default_generator());
Tensor xavier_normal_(Tensor t, double gain = 1.0, Generator& gen = default_generator());
Tensor kaiming_uniform_(Tensor t, double a = 0.0, FanMode mode = FanMode::FanIn,
                        const std::string& nonlinearity = "leaky_relu", Generator& gen = default_generator());
Tensor kaiming_normal_(Tensor t, double a = 0.0, FanMode mode = FanMode::FanIn,
                       const std::string& nonlinearity = "leaky_relu", Generator& gen = default_generator());
Tensor orthogonal_(Tensor t, double gain = 1.0, Generator& gen = default_generator());

// PyTorch's default for Linear/Conv: weight ~ U(-1/√fan_in, 1/√fan_in) and,
// when defined, bias from the same bound.
void default_linear_init_(Tensor weight, Tensor bias, Generator& gen = default_generator());

}  // namespace nabla::nn::init
