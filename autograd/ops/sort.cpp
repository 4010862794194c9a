// sort / topk / argsort. Values are differentiable: each sorted value came
// from one position along the axis, so dy is scattered back there
// (scatter_add, whose own backward is gather: backward of backward works).
#include "../../kernels/kernels.h"
#include "../../tensor/creation.h"
#include "../../tensor/kernel_view.h"
#include "../grad_mode.h"
#include "../record.h"
#include "forward.h"
#include "indexing.h"
#include "view.h"

namespace nabla {

using autograd::Grads;
using autograd::record;
using detail::kview;

namespace {
// Values and int64 indices sorted along axis a (no graph): the axis is moved
// last and made contiguous for sort_rows, which sorts in place, then moved back.
std::pair<Tensor, Tensor> sort_forward(const Tensor& x, int64_t a, bool descending) {
  NoGradGuard guard;
  Tensor xt = x.detach().transpose(a, -1);
  Tensor values = empty(xt.shape(), x.dtype(), x.device());  // sort_rows sorts in place
  kernels::copy(kview(values), kview(xt));
  Tensor indices = empty(xt.shape(), kInt64, x.device());
  if (values.numel() > 0) kernels::sort_rows(kview(values), kview(indices), descending);
  return {values.transpose(a, -1).contiguous(), indices.transpose(a, -1).contiguous()};
}

// Values taken along `a` at `indices` (distinct along a) flow back there.
Tensor scatter_back(const Tensor& dy, const Shape& shape, int64_t a, const Tensor& indices) {
  return scatter_add(zeros(shape, TensorOptions(dy.dtype(), dy.device())), a, indices, dy);
}
}  // namespace

std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t axis, bool descending) {
  detail::check_defined("sort", x);
  const int64_t a = wrap_axis(axis, x.ndim(), "sort");
  if (x.ndim() == 0) return {clone(x), zeros({}, TensorOptions(kInt64, x.device()))};
  auto [values, indices] = sort_forward(x, a, descending);
  values = record("sort", values, {x}, {indices}, [indices = indices, a, shape = x.shape()](const Tensor& dy) {
    return Grads{scatter_back(dy, shape, a, indices)};
  });
  return {values, indices};
}

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t axis, bool largest) {
  detail::check_defined("topk", x);
  const int64_t a = wrap_axis(axis, x.ndim(), "topk");
  const int64_t n = x.ndim() == 0 ? 1 : x.shape()[a];
  NABLA_CHECK(k >= 0 && k <= n, "topk", "k = ", k, " is out of range for axis ", a, " of size ", n, " (shape ",
              shape_str(x.shape()), ")");
  if (x.ndim() == 0) {
    auto r = topk(x.reshape({1}), k, 0, largest);
    return k == 1 ? std::make_pair(r.first.reshape({}), r.second.reshape({})) : r;
  }
  auto sorted = sort_forward(x, a, largest);
  Tensor values = narrow(sorted.first, a, 0, k).contiguous();
  Tensor indices = narrow(sorted.second, a, 0, k).contiguous();
  values = record("topk", values, {x}, {indices}, [indices, a, shape = x.shape()](const Tensor& dy) {
    return Grads{scatter_back(dy, shape, a, indices)};
  });
  return {values, indices};
}

Tensor argsort(const Tensor& x, int64_t axis, bool descending) {
  detail::check_defined("argsort", x);
  const int64_t a = wrap_axis(axis, x.ndim(), "argsort");
  if (x.ndim() == 0) return zeros({}, TensorOptions(kInt64, x.device()));
  return sort_forward(x, a, descending).second;
}

}  // namespace nabla
