// Views share their input's storage: no data is copied. Their gradients
// undo the view: reshape back, permute back, sum an expansion, or write dy
// into zeros at the viewed positions (narrow/select/slice).
// Methods of the same name on Tensor (x.reshape(...)) call these.
#pragma once
#include "../../tensor/tensor.h"

namespace nabla {

Tensor reshape(const Tensor& x, const Shape& shape);  // one dim may be -1
Tensor view(const Tensor& x, const Shape& shape);     // like reshape, but never copies
Tensor flatten(const Tensor& x, int64_t start_axis = 0, int64_t end_axis = -1);
Tensor transpose(const Tensor& x, int64_t axis0, int64_t axis1);
Tensor permute(const Tensor& x, const Shape& axes);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t axis);
Tensor unsqueeze(const Tensor& x, int64_t axis);
Tensor expand(const Tensor& x, const Shape& shape);  // -1 keeps a dim
inline Tensor broadcast_to(const Tensor& x, const Shape& shape) { return expand(x, shape); }
Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length);
Tensor select(const Tensor& x, int64_t axis, int64_t index);
// x[start:stop:step] along `axis`, NumPy semantics (negative values, None).
Tensor slice(const Tensor& x, int64_t axis, std::optional<int64_t> start, std::optional<int64_t> stop,
             int64_t step = 1);
Tensor contiguous(const Tensor& x);
Tensor clone(const Tensor& x);
Tensor astype(const Tensor& x, DType dtype);

// The gradient of a strided view of a tensor of `base_shape`: zeros with dy
// written where the view looks. `make_view` re-applies the view; it is also
// this op's own backward. For writing new view ops.
Tensor view_backward(const Tensor& dy, const Shape& base_shape, std::function<Tensor(const Tensor&)> make_view);
// A view of x with the given geometry (no checks beyond bounds). Internal
// building block of the view ops; records no gradient.
Tensor as_strided_view(const Tensor& x, const Shape& shape, const Shape& strides, int64_t offset);

}  // namespace nabla
