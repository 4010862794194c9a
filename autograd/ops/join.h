// Joining and splitting along an axis, and padding.
//
//   cat({a, b}, axis)     sizes add along axis; gradient: dy split back
//   stack({a, b}, axis)   a new axis; = cat of unsqueezed inputs
//   split(x, size, axis)  pieces of `size` (the last may be smaller): views
//   split(x, {sizes}, axis)
//   chunk(x, n, axis)     pieces of ceil(size / n), so maybe fewer than n
//                         (torch.chunk): views
//   pad(x, {before0, after0, before1, after1, ...}) pads the LAST dims
//       first, as torch.nn.functional.pad; mode "constant" with `value`;
//       negative padding crops. Gradient: the unpadded window of dy.
#pragma once
#include <vector>

#include "../../tensor/tensor.h"

namespace nabla {

Tensor cat(const std::vector<Tensor>& tensors, int64_t axis = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t axis = 0);
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t axis = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t axis = 0);
Tensor pad(const Tensor& x, const std::vector<int64_t>& padding, double value = 0.0);

}  // namespace nabla
