#include "linear.h"

#include "../tensor/creation.h"
#include "init.h"

namespace nabla::nn {

Linear::Linear(int64_t in_features_, int64_t out_features_, bool has_bias, functional::Activation activation_,
               Generator& gen)
    : Module("Linear"), in_features(in_features_), out_features(out_features_), activation(activation_) {
  NABLA_CHECK(in_features > 0 && out_features > 0, "Linear", "in_features and out_features must be positive, got ",
              in_features, " and ", out_features);
  weight = register_parameter("weight", empty({out_features, in_features}));
  if (has_bias) bias = register_parameter("bias", empty({out_features}));
  init::default_linear_init_(weight, bias, gen);
}

Tensor Linear::forward(const Tensor& x) {
  NABLA_CHECK(x.ndim() >= 1 && x.size(-1) == in_features, "Linear.forward", "expected input [..., ", in_features,
              "], got ", shape_str(x.shape()));
  return functional::linear(x, weight, bias, activation);
}

std::string Linear::extra_repr() const {
  std::string s = "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
                  ", bias=" + (bias.defined() ? "true" : "false");
  if (activation != functional::Activation::None) s += std::string(", activation=") + activation_name(activation);
  return s;
}

}  // namespace nabla::nn
