#include "reshape.h"

namespace nabla::nn {

Tensor Flatten::forward(const Tensor& x) { return x.flatten(start_dim, end_dim); }
std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

Tensor Unflatten::forward(const Tensor& x) {
  const int64_t d = wrap_axis(dim, x.ndim(), "Unflatten");
  NABLA_CHECK(numel(sizes) == x.size(d), "Unflatten", "cannot split dim ", d, " of size ", x.size(d), " of input ",
              shape_str(x.shape()), " into ", shape_str(sizes));
  Shape out(x.shape().begin(), x.shape().begin() + d);
  for (int64_t s : sizes) out.push_back(s);
  for (int64_t i = d + 1; i < x.ndim(); ++i) out.push_back(x.shape()[i]);
  return x.reshape(out);
}
std::string Unflatten::extra_repr() const {
  return "dim=" + std::to_string(dim) + ", unflattened_size=" + shape_str(sizes);
}

}  // namespace nabla::nn
