#include "layernorm.h"

#include <sstream>

#include "../tensor/creation.h"
#include "functional/norm.h"

namespace nabla::nn {

LayerNorm::LayerNorm(Shape normalized_shape_, double eps_, bool elementwise_affine_)
    : Module("LayerNorm"),
      normalized_shape(std::move(normalized_shape_)),
      eps(eps_),
      elementwise_affine(elementwise_affine_) {
  NABLA_CHECK(!normalized_shape.empty(), "LayerNorm", "normalized_shape must not be empty");
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape));
    bias = register_parameter("bias", zeros(normalized_shape));
  }
}

Tensor LayerNorm::forward(const Tensor& input) {
  return functional::layer_norm(input, normalized_shape, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const {
  std::ostringstream os;
  os << shape_str(normalized_shape) << ", eps=" << eps
     << ", elementwise_affine=" << (elementwise_affine ? "True" : "False");
  return os.str();
}

}  // namespace nabla::nn
