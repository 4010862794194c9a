#include "groupnorm.h"

#include <sstream>

#include "../tensor/creation.h"
#include "functional/norm.h"

namespace nabla::nn {

GroupNorm::GroupNorm(int64_t num_groups_, int64_t num_channels_, double eps_, bool affine_)
    : Module("GroupNorm"), num_groups(num_groups_), num_channels(num_channels_), eps(eps_), affine(affine_) {
  NABLA_CHECK(num_groups > 0 && num_channels > 0 && num_channels % num_groups == 0, "GroupNorm", "num_channels (",
              num_channels, ") must be divisible by num_groups (", num_groups, "), both positive");
  if (affine) {
    weight = register_parameter("weight", ones({num_channels}));
    bias = register_parameter("bias", zeros({num_channels}));
  }
}

Tensor GroupNorm::forward(const Tensor& input) {
  NABLA_CHECK(input.ndim() >= 2 && input.shape()[1] == num_channels, "GroupNorm.forward", "expected input [N, ",
              num_channels, ", *], got shape ", shape_str(input.shape()));
  return functional::group_norm(input, num_groups, weight, bias, eps);
}

std::string GroupNorm::extra_repr() const {
  std::ostringstream os;
  os << num_groups << ", " << num_channels << ", eps=" << eps << ", affine=" << (affine ? "True" : "False");
  return os.str();
}

}  // namespace nabla::nn
