// Indexing, gathering and scattering.
//
// index(x, {...}) follows NumPy: integers select (and drop the dim), slices
// view, newaxis inserts a dim, ellipsis stands for the dims not named, a bool
// mask selects the positions where it is true, an int64 tensor picks
// positions along its dim. Basic indices give views; masks and int tensors
// give copies (their gradient scatters back with index_add). As in NumPy,
// several index arrays broadcast together; with arrays present an integer
// counts as a 0-d array, and arrays separated by a slice/newaxis put their
// broadcast dims first (x[0, :, [0, 1]] of a (2, 3, 4) x is (2, 3), not
// PyTorch's (3, 2)).
//
// gather/scatter_add/index_select/index_add take int64 indices in [0, size)
// (negative values are an error, as in PyTorch); index() wraps negatives.
//
//   gather(x, axis, idx)[i][j]      = x[i][idx[i][j]]           (axis 1)
//   scatter_add(x, axis, idx, src): x with x[i][idx[i][j]] += src[i][j]
//   index_select(x, axis, idx)      = x taken at 1-D idx along axis
//   one_hot(labels, n)              : int64 [..] -> int64 [.., n]
//   topk / sort return values (differentiable, scattered back) and int64
//   indices; argsort only indices.
#pragma once
#include <utility>
#include <vector>

#include "../../tensor/tensor.h"

namespace nabla {

Tensor index(const Tensor& x, const std::vector<TensorIndex>& indices);
// In place: x[indices] = value (value broadcasts). Not recorded by autograd;
// refused while grad mode is on and x requires grad. Repeated indices: the
// last write wins. (Off the CPU, mask/array writes round-trip via the host.)
void index_put_(Tensor& x, const std::vector<TensorIndex>& indices, const Tensor& value);

Tensor gather(const Tensor& x, int64_t axis, const Tensor& index);
Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index);
// x with x[..., index[k], ...] += src[..., k, ...] along axis (out of place).
Tensor index_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src);
// Elements of x where mask (broadcast to x) is true, as a 1-D tensor.
Tensor masked_select(const Tensor& x, const Tensor& mask);
// Coordinates of non-zero elements: int64 [count, ndim].
Tensor nonzero(const Tensor& x);
// int64 labels in [0, num_classes) -> int64 one-hot; -1 means max(labels) + 1.
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1);

// (values, indices) of the k largest (or smallest) along axis, sorted; ties
// keep index order.
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t axis = -1, bool largest = true);
// (values, indices) sorted along axis; stable.
std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t axis = -1, bool descending = false);
Tensor argsort(const Tensor& x, int64_t axis = -1, bool descending = false);

}  // namespace nabla
