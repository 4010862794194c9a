// Joining (cat, stack), splitting (split, chunk) and constant padding.
//
// cat and pad copy their inputs into a fresh output; their gradients are
// narrow()s of dy, which are differentiable views, so backward of backward
// works. split and chunk are narrow()s themselves.
#include "join.h"

#include <algorithm>

#include "../../kernels/kernels.h"
#include "../../tensor/creation.h"
#include "../../tensor/kernel_view.h"
#include "../grad_mode.h"
#include "../record.h"
#include "forward.h"
#include "view.h"

namespace nabla {

using autograd::Grads;
using autograd::record;
using detail::kview;

Tensor cat(const std::vector<Tensor>& tensors, int64_t axis) {
  NABLA_CHECK(!tensors.empty(), "cat", "expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    NABLA_CHECK(tensors[i].defined(), "cat", "tensor ", i, " is undefined");
    NABLA_CHECK(tensors[i].ndim() > 0, "cat", "tensor ", i, " is 0-d and cannot be concatenated (use stack)");
  }
  const Tensor& first = tensors[0];
  const int64_t a = wrap_axis(axis, first.ndim(), "cat");
  DType dtype = first.dtype();
  Shape shape = first.shape();
  shape[a] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    detail::check_same_device("cat", first, t);
    NABLA_CHECK(t.ndim() == first.ndim(), "cat", "tensor ", i, " of shape ", shape_str(t.shape()), " has ", t.ndim(),
                " dims, but tensor 0 of shape ", shape_str(first.shape()), " has ", first.ndim());
    for (int64_t d = 0; d < t.ndim(); ++d)
      NABLA_CHECK(d == a || t.shape()[d] == first.shape()[d], "cat", "tensor ", i, " of shape ", shape_str(t.shape()),
                  " does not match tensor 0 of shape ", shape_str(first.shape()), " in dim ", d, " (only axis ", a,
                  " may differ)");
    shape[a] += t.shape()[a];
    dtype = promote_types(dtype, t.dtype());
  }
  Tensor out = empty(shape, dtype, first.device());
  std::vector<int64_t> sizes;
  std::vector<DType> dtypes;
  {
    NoGradGuard guard;
    int64_t offset = 0;
    for (const Tensor& t : tensors) {
      Tensor window = narrow(out, a, offset, t.shape()[a]);
      kernels::copy(kview(window), kview(t));  // converts to the common dtype
      offset += t.shape()[a];
      sizes.push_back(t.shape()[a]);
      dtypes.push_back(t.dtype());
    }
  }
  return record("cat", out, tensors, {}, [a, sizes, dtypes](const Tensor& dy) {
    Grads grads;
    int64_t offset = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      Tensor g = narrow(dy, a, offset, sizes[i]);
      if (is_floating(dtypes[i]) && g.dtype() != dtypes[i]) g = g.astype(dtypes[i]);
      grads.push_back(is_floating(dtypes[i]) ? g : Tensor());
      offset += sizes[i];
    }
    return grads;
  });
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t axis) {
  NABLA_CHECK(!tensors.empty(), "stack", "expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    NABLA_CHECK(tensors[i].defined(), "stack", "tensor ", i, " is undefined");
    NABLA_CHECK(tensors[i].shape() == tensors[0].shape(), "stack", "tensor ", i, " of shape ",
                shape_str(tensors[i].shape()), " does not match tensor 0 of shape ", shape_str(tensors[0].shape()),
                "; stack needs equal shapes");
  }
  const int64_t a = wrap_axis(axis, tensors[0].ndim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, a));
  return cat(parts, a);
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t axis) {
  detail::check_defined("split", x);
  NABLA_CHECK(x.ndim() > 0, "split", "cannot split a 0-d tensor");
  const int64_t a = wrap_axis(axis, x.ndim(), "split");
  const int64_t n = x.shape()[a];
  NABLA_CHECK(split_size > 0 || (split_size == 0 && n == 0), "split", "split_size must be positive, got ", split_size,
              " (axis ", a, " of shape ", shape_str(x.shape()), ")");
  if (n == 0) return {narrow(x, a, 0, 0)};
  std::vector<Tensor> pieces;
  for (int64_t start = 0; start < n; start += split_size)
    pieces.push_back(narrow(x, a, start, std::min(split_size, n - start)));
  return pieces;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis) {
  detail::check_defined("split", x);
  NABLA_CHECK(x.ndim() > 0, "split", "cannot split a 0-d tensor");
  const int64_t a = wrap_axis(axis, x.ndim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    NABLA_CHECK(s >= 0, "split", "sizes must be >= 0, got ", s);
    total += s;
  }
  NABLA_CHECK(total == x.shape()[a], "split", "sizes sum to ", total, " but axis ", a, " of shape ",
              shape_str(x.shape()), " has size ", x.shape()[a]);
  std::vector<Tensor> pieces;
  int64_t start = 0;
  for (int64_t s : sizes) {
    pieces.push_back(narrow(x, a, start, s));
    start += s;
  }
  return pieces;
}

// torch.chunk: pieces of ceil(n / chunks), so there may be fewer than
// `chunks` (chunk(6 elements, 4) gives 3 pieces of 2). An empty axis gives
// `chunks` empty pieces.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t axis) {
  detail::check_defined("chunk", x);
  NABLA_CHECK(chunks > 0, "chunk", "chunks must be positive, got ", chunks);
  NABLA_CHECK(x.ndim() > 0, "chunk", "cannot chunk a 0-d tensor");
  const int64_t a = wrap_axis(axis, x.ndim(), "chunk");
  const int64_t n = x.shape()[a];
  if (n == 0) return split(x, std::vector<int64_t>(static_cast<size_t>(chunks), 0), a);
  return split(x, (n + chunks - 1) / chunks, a);
}

// Negative padding crops (narrow), as torch.nn.functional.pad; the positive
// part is a copy into a `value`-filled output whose gradient is a narrow of dy.
Tensor pad(const Tensor& x, const std::vector<int64_t>& padding, double value) {
  detail::check_defined("pad", x);
  const int64_t pairs = static_cast<int64_t>(padding.size()) / 2;
  NABLA_CHECK(padding.size() % 2 == 0, "pad", "padding must have an even length (pairs of before, after), got ",
              padding.size(), " values");
  NABLA_CHECK(pairs <= x.ndim(), "pad", "padding of ", padding.size(), " values covers ", pairs,
              " dims, but the input of shape ", shape_str(x.shape()), " has ", x.ndim());
  // before/after per dim of x (the first pair is for the last dim).
  std::vector<int64_t> before(static_cast<size_t>(x.ndim()), 0), after(static_cast<size_t>(x.ndim()), 0);
  for (int64_t p = 0; p < pairs; ++p) {
    before[x.ndim() - 1 - p] = padding[2 * p];
    after[x.ndim() - 1 - p] = padding[2 * p + 1];
  }
  Tensor xc = x;
  for (int64_t d = 0; d < x.ndim(); ++d) {
    const int64_t crop_b = before[d] < 0 ? -before[d] : 0, crop_a = after[d] < 0 ? -after[d] : 0;
    if (crop_b == 0 && crop_a == 0) continue;
    const int64_t n = xc.shape()[d];
    NABLA_CHECK(crop_b + crop_a <= n, "pad", "negative padding (", before[d], ", ", after[d], ") removes more than ",
                "the ", n, " elements of dim ", d, " (shape ", shape_str(x.shape()), ")");
    xc = narrow(xc, d, crop_b, n - crop_b - crop_a);
    before[d] = std::max<int64_t>(before[d], 0);
    after[d] = std::max<int64_t>(after[d], 0);
  }
  Shape shape = xc.shape();
  bool padded = false;
  for (int64_t d = 0; d < x.ndim(); ++d) {
    shape[d] += before[d] + after[d];
    padded = padded || before[d] > 0 || after[d] > 0;
  }
  if (!padded) return xc;
  // The window of the output that holds xc: also the backward (and, applied
  // to a gradient, its own backward is view_backward's).
  auto window = [before, in_shape = xc.shape()](const Tensor& t) {
    Tensor w = t;
    for (size_t d = 0; d < before.size(); ++d)
      if (w.shape()[d] != in_shape[d]) w = narrow(w, static_cast<int64_t>(d), before[d], in_shape[d]);
    return w;
  };
  Tensor out = full(shape, value, TensorOptions(x.dtype(), x.device()));
  {
    NoGradGuard guard;
    Tensor w = window(out);
    kernels::copy(kview(w), kview(xc));
  }
  return record("pad", out, {xc}, {}, [window](const Tensor& dy) { return Grads{window(dy)}; });
}

}  // namespace nabla
