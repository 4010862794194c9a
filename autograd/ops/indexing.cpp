// Indexing, gathering and scattering (sorting: sort.cpp).
//
// Index values are checked on the host before any kernel runs (kernels
// assume in-range indices), so a bad index is a nabla::Error naming the op,
// the value and the dim size rather than a wild memory access.
//
// Gradients are written with the ops of this file, in pairs that are each
// other's adjoints, so backward of backward works:
//   gather       <-> scatter_add      (along an axis, index shaped like out)
//   index_select <-> index_add        (along an axis, 1-D index)
#include "indexing.h"

#include <algorithm>

#include "../../kernels/kernels.h"
#include "../../tensor/capture.h"
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

namespace {

// ---- shared checks and helpers ---------------------------------------------------

void check_index_dtype(const char* op, const Tensor& index) {
  NABLA_CHECK(index.defined(), op, "the index tensor is undefined");
  NABLA_CHECK(index.dtype() == kInt64, op, "index must be int64, got ", dtype_name(index.dtype()), " (shape ",
              shape_str(index.shape()), ")");
}

// The values of an int64 tensor, on the host, in row-major order.
std::vector<int64_t> host_values(const Tensor& t) {
  Tensor c = t.detach().to(Device::cpu()).contiguous();
  const int64_t* p = c.data<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

// Every index value must lie in [0, size): the kernels do not check. A
// captured step checks again at each replay, on the values the index holds
// then (tensor/capture.h), before its kernels read with them.
void check_bounds(const char* op, const Tensor& index, int64_t size, int64_t axis, const Shape& x_shape) {
  // Read in place, not through host_values(): no vector to allocate, at
  // every step and at every replay.
  auto check = [op, index, size, axis, x_shape] {
    const Tensor c = index.detach().to(Device::cpu()).contiguous();
    const int64_t* p = c.data<int64_t>();
    for (int64_t i = 0, n = c.numel(); i < n; ++i)
      NABLA_CHECK(p[i] >= 0 && p[i] < size, op, "index ", p[i], " is out of bounds for axis ", axis, " with size ",
                  size, " (tensor shape ", shape_str(x_shape), ")");
  };
  check();
  detail::on_replay(check);
}

Tensor int64_tensor(const std::vector<int64_t>& values, const Shape& shape, Device device) {
  return from_vector(values, shape).to(device);
}

// A copy of x in `dtype` (fresh memory the kernels may write into).
Tensor copy_as(const Tensor& x, DType dtype) {
  Tensor out = empty(x.shape(), dtype, x.device());
  kernels::copy(kview(out), kview(x));
  return out;
}

// A gradient cast back to its input's dtype (inputs may have been promoted).
Tensor cast_grad(const Tensor& g, DType dtype) { return g.dtype() == dtype ? g : g.astype(dtype); }

// The leading corner of t of `shape` (t is at least as large in every dim).
Tensor corner(const Tensor& t, const Shape& shape) {
  Tensor r = t;
  for (int64_t d = 0; d < t.ndim(); ++d)
    if (r.shape()[d] != shape[d]) r = narrow(r, d, 0, shape[d]);
  return r;
}

Tensor zeros_for_grad(const Shape& shape, const Tensor& dy) {
  return zeros(shape, TensorOptions(dy.dtype(), dy.device()));
}

// ---- NumPy-style index parsing ---------------------------------------------------

// One index after the ellipsis is expanded, masks are turned into int64
// coordinates and (with advanced indices present) integers into 0-d arrays.
struct Item {
  enum Kind { Integer, Range, NewAxis, Advanced } kind = Range;
  int64_t integer = 0;       // Integer: already wrapped into [0, n)
  Slice slice;               // Range
  std::vector<int64_t> idx;  // Advanced: values wrapped into [0, n), row-major
  Shape shape;               // Advanced: the index array's shape
  bool new_axis = false;     // Advanced: indexes a new axis of size 1 (0-d mask)
};

// An advanced index once the basic ones have been applied.
struct Advanced {
  int64_t dim;  // in the basic view
  std::vector<int64_t> idx;
  Shape shape;
};

std::vector<Item> parse(const Tensor& x, const std::vector<TensorIndex>& indices, const char* op) {
  using Kind = TensorIndex::Kind;
  int64_t consumed = 0, ellipses = 0;
  for (const TensorIndex& ix : indices) {
    switch (ix.kind()) {
      case Kind::Integer:
      case Kind::Slice:
        consumed += 1;
        break;
      case Kind::NewAxis:
        break;
      case Kind::Ellipsis:
        ellipses += 1;
        break;
      case Kind::Tensor: {
        detail::check_not_capturing(op, "indexes with a tensor whose values it reads on the host");
        const Tensor& t = ix.tensor();
        NABLA_CHECK(t.defined(), op, "an index tensor is undefined");
        NABLA_CHECK(t.dtype() == kInt64 || t.dtype() == kBool, op, "index tensors must be int64 or bool, got ",
                    dtype_name(t.dtype()), " of shape ", shape_str(t.shape()), " (indexing a tensor of shape ",
                    shape_str(x.shape()), ")");
        consumed += t.dtype() == kBool ? t.ndim() : 1;
        break;
      }
    }
  }
  NABLA_CHECK(ellipses <= 1, op, "an index can only have a single ellipsis, got ", ellipses);
  NABLA_CHECK(consumed <= x.ndim(), op, "too many indices for a tensor of shape ", shape_str(x.shape()), ": ", consumed,
              " dims indexed, but it has ", x.ndim());

  std::vector<Item> items;
  int64_t xd = 0;  // the next dim of x to be consumed
  for (const TensorIndex& ix : indices) {
    switch (ix.kind()) {
      case Kind::Integer: {
        const int64_t n = x.shape()[xd], i = ix.integer();
        NABLA_CHECK(i >= -n && i < n, op, "index ", i, " is out of bounds for dim ", xd, " with size ", n,
                    " (tensor shape ", shape_str(x.shape()), ")");
        Item it;
        it.kind = Item::Integer;
        it.integer = i < 0 ? i + n : i;
        items.push_back(std::move(it));
        ++xd;
        break;
      }
      case Kind::Slice: {
        NABLA_CHECK(ix.slice().step != 0, op, "slice step cannot be zero (dim ", xd, " of shape ", shape_str(x.shape()),
                    ")");
        Item it;
        it.slice = ix.slice();
        items.push_back(std::move(it));
        ++xd;
        break;
      }
      case Kind::NewAxis: {
        Item it;
        it.kind = Item::NewAxis;
        items.push_back(std::move(it));
        break;
      }
      case Kind::Ellipsis:
        for (int64_t k = 0; k < x.ndim() - consumed; ++k) items.push_back(Item{});
        xd += x.ndim() - consumed;
        break;
      case Kind::Tensor: {
        const Tensor& t = ix.tensor();
        if (t.dtype() == kInt64) {
          const int64_t n = x.shape()[xd];
          Item it;
          it.kind = Item::Advanced;
          it.shape = t.shape();
          it.idx = host_values(t);
          for (int64_t& v : it.idx) {
            NABLA_CHECK(v >= -n && v < n, op, "index ", v, " is out of bounds for dim ", xd, " with size ", n,
                        " (tensor shape ", shape_str(x.shape()), ", index shape ", shape_str(t.shape()), ")");
            if (v < 0) v += n;
          }
          items.push_back(std::move(it));
          ++xd;
          break;
        }
        // A bool mask over k dims: the coordinates of its true elements, one
        // int64 array per dim (NumPy: x[mask] == x[mask.nonzero()]).
        const int64_t k = t.ndim();
        Shape covered(x.shape().begin() + xd, x.shape().begin() + xd + k);
        NABLA_CHECK(t.shape() == covered, op, "boolean mask of shape ", shape_str(t.shape()),
                    " does not match the indexed dims ", shape_str(covered), " of a tensor of shape ",
                    shape_str(x.shape()), " (starting at dim ", xd, ")");
        Tensor coords = nonzero(t);  // [count, k]
        const int64_t count = coords.shape()[0];
        std::vector<int64_t> flat = host_values(coords);
        if (k == 0) {
          // x[True] adds a dim of 1, x[False] a dim of 0: an index array
          // over a new axis of size 1.
          Item it;
          it.kind = Item::Advanced;
          it.new_axis = true;
          it.shape = {count};
          it.idx.assign(static_cast<size_t>(count), 0);
          items.push_back(std::move(it));
        }
        for (int64_t j = 0; j < k; ++j) {
          Item it;
          it.kind = Item::Advanced;
          it.shape = {count};
          for (int64_t c = 0; c < count; ++c) it.idx.push_back(flat[c * k + j]);
          items.push_back(std::move(it));
        }
        xd += k;
        break;
      }
    }
  }
  // With advanced indices present, NumPy treats integers as 0-d index arrays
  // (they take part in the broadcast and in the "adjacent" rule).
  bool has_advanced = std::any_of(items.begin(), items.end(), [](const Item& it) { return it.kind == Item::Advanced; });
  if (has_advanced)
    for (Item& it : items)
      if (it.kind == Item::Integer) {
        it.kind = Item::Advanced;
        it.idx = {it.integer};
        it.shape = {};
      }
  return items;
}

// Applies the basic items (views, so gradients come from the view ops) and
// returns the advanced ones with their dims in the resulting view.
Tensor apply_basic(const Tensor& x, const std::vector<Item>& items, std::vector<Advanced>& advanced) {
  Tensor v = x;
  int64_t d = 0;
  for (const Item& it : items) {
    switch (it.kind) {
      case Item::Integer:
        v = select(v, d, it.integer);
        break;
      case Item::Range: {
        const Slice& s = it.slice;
        if (s.start || s.stop || s.step != 1) v = slice(v, d, s.start, s.stop, s.step);
        ++d;
        break;
      }
      case Item::NewAxis:
        v = unsqueeze(v, d++);
        break;
      case Item::Advanced:
        if (it.new_axis) v = unsqueeze(v, d);
        advanced.push_back({d++, it.idx, it.shape});
        break;
    }
  }
  return v;
}

// How the advanced indices combine: their broadcast shape B, and for every
// position of B the flat index into the advanced dims (row-major over them).
struct AdvancedPlan {
  Shape broadcast;
  std::vector<int64_t> dims, rest;  // advanced dims / the other dims, of the basic view
  bool adjacent = true;             // NumPy: B replaces the advanced dims in place
  std::vector<int64_t> linear;      // numel(B) flat indices
  // Per advanced dim k, its index value at each position of B.
  std::vector<std::vector<int64_t>> per_dim;
};

AdvancedPlan plan_advanced(const Tensor& v, const std::vector<Advanced>& advanced, const char* op) {
  AdvancedPlan p;
  for (const Advanced& a : advanced) p.broadcast = broadcast_shapes(p.broadcast, a.shape, op);
  for (size_t k = 0; k < advanced.size(); ++k) {
    p.dims.push_back(advanced[k].dim);
    if (k > 0 && advanced[k].dim != advanced[k - 1].dim + 1) p.adjacent = false;
  }
  for (int64_t d = 0; d < v.ndim(); ++d)
    if (std::find(p.dims.begin(), p.dims.end(), d) == p.dims.end()) p.rest.push_back(d);
  const Shape& b = p.broadcast;
  const int64_t nb = nabla::numel(b), nd = static_cast<int64_t>(b.size());
  p.linear.assign(static_cast<size_t>(nb), 0);
  for (const Advanced& a : advanced) {
    // Strides of this index array seen with shape B (0 where broadcast).
    Shape own = contiguous_strides(a.shape), bs(b.size(), 0);
    const int64_t lead = nd - static_cast<int64_t>(a.shape.size());
    for (size_t i = 0; i < a.shape.size(); ++i)
      if (a.shape[i] == b[lead + i]) bs[lead + i] = own[i];
    std::vector<int64_t> vals(static_cast<size_t>(nb));
    Shape coord(b.size(), 0);
    for (int64_t pos = 0; pos < nb; ++pos) {
      int64_t off = 0;
      for (int64_t d = 0; d < nd; ++d) off += coord[d] * bs[d];
      vals[pos] = a.idx[off];
      for (int64_t d = nd - 1; d >= 0; --d) {
        if (++coord[d] < b[d]) break;
        coord[d] = 0;
      }
    }
    const int64_t size = v.shape()[a.dim];
    for (int64_t pos = 0; pos < nb; ++pos) p.linear[pos] = p.linear[pos] * size + vals[pos];
    p.per_dim.push_back(std::move(vals));
  }
  return p;
}

// The shape of x[indices] given the plan: B replaces the advanced dims when
// they are adjacent, and goes first otherwise (NumPy).
Shape result_shape(const Tensor& v, const AdvancedPlan& p) {
  Shape out;
  auto push_rest = [&](int64_t from, int64_t to) {
    for (int64_t i = from; i < to; ++i) out.push_back(v.shape()[p.rest[i]]);
  };
  const int64_t nrest = static_cast<int64_t>(p.rest.size());
  const int64_t at = p.adjacent ? p.dims[0] : 0;  // rest dims before B
  push_rest(0, at);
  for (int64_t d : p.broadcast) out.push_back(d);
  push_rest(at, nrest);
  return out;
}

}  // namespace

// ---- index / index_put_ ----------------------------------------------------------

Tensor index(const Tensor& x, const std::vector<TensorIndex>& indices) {
  detail::check_defined("index", x);
  std::vector<Item> items = parse(x, indices, "index");
  std::vector<Advanced> advanced;
  Tensor v = apply_basic(x, items, advanced);
  if (advanced.empty()) return v;
  // Advanced: flatten the advanced dims into one (moving them to the front
  // first when they are not adjacent), pick with index_select (whose
  // gradient is index_add), then unflatten into B.
  AdvancedPlan p = plan_advanced(v, advanced, "index");
  Tensor lin = int64_tensor(p.linear, {static_cast<int64_t>(p.linear.size())}, x.device());
  int64_t merged = 1;
  for (int64_t d : p.dims) merged *= v.shape()[d];
  const int64_t at = p.adjacent ? p.dims[0] : 0;
  Tensor base = v;
  if (!p.adjacent) {
    Shape perm(p.dims.begin(), p.dims.end());
    for (int64_t d : p.rest) perm.push_back(d);
    base = permute(v, perm);
  }
  Shape flat_shape;
  for (int64_t i = 0; i < at; ++i) flat_shape.push_back(base.shape()[i]);
  flat_shape.push_back(merged);
  for (int64_t i = at + static_cast<int64_t>(p.dims.size()); i < base.ndim(); ++i)
    flat_shape.push_back(base.shape()[i]);
  Tensor picked = index_select(reshape(base, flat_shape), at, lin);
  return reshape(picked, result_shape(v, p));
}

void index_put_(Tensor& x, const std::vector<TensorIndex>& indices, const Tensor& value) {
  detail::check_defined("index_put_", x);
  NABLA_CHECK(value.defined(), "index_put_", "the value tensor is undefined");
  NABLA_CHECK(!GradMode::is_enabled() || !x.requires_grad(), "index_put_",
              "in-place write to a tensor that requires grad (shape ", shape_str(x.shape()),
              "); use the out-of-place ops, or wrap the update in NoGradGuard");
  std::vector<Item> items = parse(x, indices, "index_put_");
  std::vector<Advanced> advanced;
  Tensor v = apply_basic(x.detach(), items, advanced);
  Tensor val = value.detach().to(x.device());
  if (advanced.empty()) {
    NABLA_CHECK(broadcast_shapes(v.shape(), val.shape(), "index_put_") == v.shape(), "index_put_", "value of shape ",
                shape_str(val.shape()), " cannot be broadcast to the indexed shape ", shape_str(v.shape()));
    v.copy_(val);  // bumps the version
    return;
  }
  AdvancedPlan p = plan_advanced(v, advanced, "index_put_");
  const Shape r = result_shape(v, p);
  NABLA_CHECK(broadcast_shapes(r, val.shape(), "index_put_") == r, "index_put_", "value of shape ",
              shape_str(val.shape()), " cannot be broadcast to the indexed shape ", shape_str(r));
  // Values laid out as [B..., rest...] on the host, in x's dtype.
  const int64_t nb = nabla::numel(p.broadcast), nbd = static_cast<int64_t>(p.broadcast.size());
  const int64_t at = p.adjacent ? p.dims[0] : 0;
  Tensor vr = val.expand(r);
  if (at > 0) {
    Shape perm;
    for (int64_t i = 0; i < nbd; ++i) perm.push_back(at + i);
    for (int64_t i = 0; i < at; ++i) perm.push_back(i);
    for (int64_t i = at + nbd; i < vr.ndim(); ++i) perm.push_back(i);
    vr = vr.permute(perm);
  }
  Tensor vh = vr.to(x.dtype()).to(Device::cpu()).contiguous();
  // Write through the view's strides (CPU), or into a host copy of the view
  // that is copied back (other devices: no scatter-assign kernel yet).
  const bool on_host = x.device().is_cpu();
  Tensor target = on_host ? v : v.to(Device::cpu());
  std::vector<int64_t> adv_off(static_cast<size_t>(nb), 0);
  for (size_t k = 0; k < p.dims.size(); ++k)
    for (int64_t pos = 0; pos < nb; ++pos) adv_off[pos] += p.per_dim[k][pos] * target.strides()[p.dims[k]];
  Shape rest_shape;
  for (int64_t d : p.rest) rest_shape.push_back(target.shape()[d]);
  const int64_t nr = nabla::numel(rest_shape);
  std::vector<int64_t> rest_off(static_cast<size_t>(nr), 0);
  Shape coord(rest_shape.size(), 0);
  for (int64_t i = 0; i < nr; ++i) {
    for (size_t j = 0; j < rest_shape.size(); ++j) rest_off[i] += coord[j] * target.strides()[p.rest[j]];
    for (int64_t j = static_cast<int64_t>(rest_shape.size()) - 1; j >= 0; --j) {
      if (++coord[j] < rest_shape[j]) break;
      coord[j] = 0;
    }
  }
  // Sequential writes: with repeated indices the last one wins (as NumPy).
  NABLA_DISPATCH_ALL(x.dtype(), T, {
    T* dst = static_cast<T*>(target.raw_data());
    const T* src = vh.data<T>();
    for (int64_t pos = 0; pos < nb; ++pos)
      for (int64_t i = 0; i < nr; ++i) dst[adv_off[pos] + rest_off[i]] = src[pos * nr + i];
  });
  if (on_host)
    x.bump_version();
  else
    v.copy_(target.to(x.device()));
}

// ---- gather / scatter_add ------------------------------------------------------------

// gather: out[i][j] = x[i][index[i][j]] (axis 1); index has x's ndim, and no
// larger size than x on the other axes. Backward: scatter_add dy into zeros.
Tensor gather(const Tensor& x, int64_t axis, const Tensor& index) {
  detail::check_defined("gather", x);
  check_index_dtype("gather", index);
  detail::check_same_device("gather", x, index);
  if (x.ndim() == 0) {
    NABLA_CHECK(index.ndim() == 0, "gather", "index of shape ", shape_str(index.shape()),
                " must be 0-d like the 0-d input");
    wrap_axis(axis, 0, "gather");
    return gather(x.reshape({1}), 0, index.reshape({1})).reshape({});
  }
  const int64_t a = wrap_axis(axis, x.ndim(), "gather");
  NABLA_CHECK(index.ndim() == x.ndim(), "gather", "index of shape ", shape_str(index.shape()),
              " must have as many dims as the input of shape ", shape_str(x.shape()));
  for (int64_t d = 0; d < x.ndim(); ++d)
    NABLA_CHECK(d == a || index.shape()[d] <= x.shape()[d], "gather", "index of shape ", shape_str(index.shape()),
                " is larger than the input of shape ", shape_str(x.shape()), " in dim ", d);
  check_bounds("gather", index, x.shape()[a], a, x.shape());
  Tensor out = empty(index.shape(), x.dtype(), x.device());
  Tensor ic = index.detach().contiguous();
  kernels::gather(kview(out), kview(x), kview(ic), static_cast<int>(a));
  return record("gather", out, {x}, {index}, [index, a, shape = x.shape()](const Tensor& dy) {
    return Grads{scatter_add(zeros_for_grad(shape, dy), a, index, dy)};
  });
}

// scatter_add: x with x[i][index[i][j]] += src[i][j] (axis 1), out of place.
// Backward: dx = dy, dsrc = gather(dy) (zero where src is not indexed).
Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src) {
  detail::check_defined("scatter_add", x);
  detail::check_defined("scatter_add", src);
  check_index_dtype("scatter_add", index);
  detail::check_same_device("scatter_add", x, index);
  detail::check_same_device("scatter_add", x, src);
  if (x.ndim() == 0) {
    NABLA_CHECK(index.ndim() == 0 && src.ndim() == 0, "scatter_add", "index of shape ", shape_str(index.shape()),
                " and src of shape ", shape_str(src.shape()), " must be 0-d like the 0-d input");
    wrap_axis(axis, 0, "scatter_add");
    return scatter_add(x.reshape({1}), 0, index.reshape({1}), src.reshape({1})).reshape({});
  }
  const int64_t a = wrap_axis(axis, x.ndim(), "scatter_add");
  NABLA_CHECK(index.ndim() == x.ndim() && src.ndim() == x.ndim(), "scatter_add", "index of shape ",
              shape_str(index.shape()), " and src of shape ", shape_str(src.shape()),
              " must have as many dims as the input of shape ", shape_str(x.shape()));
  for (int64_t d = 0; d < x.ndim(); ++d) {
    NABLA_CHECK(index.shape()[d] <= src.shape()[d], "scatter_add", "index of shape ", shape_str(index.shape()),
                " is larger than src of shape ", shape_str(src.shape()), " in dim ", d);
    NABLA_CHECK(d == a || index.shape()[d] <= x.shape()[d], "scatter_add", "index of shape ", shape_str(index.shape()),
                " is larger than the input of shape ", shape_str(x.shape()), " in dim ", d);
  }
  check_bounds("scatter_add", index, x.shape()[a], a, x.shape());
  const DType dt = promote_types(x.dtype(), src.dtype());
  Tensor out = copy_as(x, dt);
  Tensor ic = index.detach().contiguous();
  Tensor s = src.detach().to(dt);
  kernels::scatter_add(kview(out), kview(ic), kview(s), static_cast<int>(a));
  return record("scatter_add", out, {x, src}, {index},
                [index, a, x_dtype = x.dtype(), src_dtype = src.dtype(), src_shape = src.shape(),
                 need_x = x.requires_grad(), need_src = src.requires_grad()](const Tensor& dy) {
                  Tensor dx = need_x ? cast_grad(dy, x_dtype) : Tensor();
                  Tensor dsrc;
                  if (need_src) {
                    dsrc = gather(dy, a, index);
                    if (dsrc.shape() != src_shape)
                      dsrc = view_backward(dsrc, src_shape,
                                           [shape = index.shape()](const Tensor& t) { return corner(t, shape); });
                    dsrc = cast_grad(dsrc, src_dtype);
                  }
                  return Grads{dx, dsrc};
                });
}

// ---- index_select / index_add ------------------------------------------------------------

namespace {
// A 1-D (or 0-d) int64 index as a contiguous 1-D tensor.
Tensor flat_index(const char* op, const Tensor& index) {
  check_index_dtype(op, index);
  NABLA_CHECK(index.ndim() <= 1, op, "index must be 1-D, got shape ", shape_str(index.shape()));
  return index.detach().reshape({index.numel()}).contiguous();
}
}  // namespace

// index_select: x taken at index (1-D) along axis. Backward: index_add into zeros.
Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index) {
  detail::check_defined("index_select", x);
  Tensor idx = flat_index("index_select", index);
  detail::check_same_device("index_select", x, idx);
  if (x.ndim() == 0) {
    wrap_axis(axis, 0, "index_select");
    Tensor r = index_select(x.reshape({1}), 0, idx);
    return index.ndim() == 0 ? r.reshape({}) : r;
  }
  const int64_t a = wrap_axis(axis, x.ndim(), "index_select");
  check_bounds("index_select", idx, x.shape()[a], a, x.shape());
  Shape shape = x.shape();
  shape[a] = idx.numel();
  Tensor out = empty(shape, x.dtype(), x.device());
  kernels::index_select(kview(out), kview(x), kview(idx), static_cast<int>(a));
  return record("index_select", out, {x}, {idx}, [idx, a, in_shape = x.shape()](const Tensor& dy) {
    return Grads{index_add(zeros_for_grad(in_shape, dy), a, idx, dy)};
  });
}

// index_add: x with x[..., index[k], ...] += src[..., k, ...], out of place.
// Backward: dx = dy, dsrc = index_select(dy).
Tensor index_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src) {
  detail::check_defined("index_add", x);
  detail::check_defined("index_add", src);
  Tensor idx = flat_index("index_add", index);
  detail::check_same_device("index_add", x, idx);
  detail::check_same_device("index_add", x, src);
  if (x.ndim() == 0) {
    wrap_axis(axis, 0, "index_add");
    NABLA_CHECK(src.numel() == idx.numel() && src.ndim() <= 1, "index_add", "src of shape ", shape_str(src.shape()),
                " does not match the index of shape ", shape_str(index.shape()), " for a 0-d input");
    return index_add(x.reshape({1}), 0, idx, src.reshape({src.numel()})).reshape({});
  }
  const int64_t a = wrap_axis(axis, x.ndim(), "index_add");
  bool ok = src.ndim() == x.ndim() && src.shape()[a] == idx.numel();
  for (int64_t d = 0; ok && d < x.ndim(); ++d) ok = d == a || src.shape()[d] == x.shape()[d];
  NABLA_CHECK(ok, "index_add", "src of shape ", shape_str(src.shape()), " must match the input of shape ",
              shape_str(x.shape()), " except along axis ", a, ", where it must equal the index length ", idx.numel());
  check_bounds("index_add", idx, x.shape()[a], a, x.shape());
  const DType dt = promote_types(x.dtype(), src.dtype());
  Tensor out = copy_as(x, dt);
  Tensor s = src.detach().to(dt);
  kernels::index_add(kview(out), kview(idx), kview(s), static_cast<int>(a));
  return record("index_add", out, {x, src}, {idx},
                [idx, a, x_dtype = x.dtype(), src_dtype = src.dtype(), need_x = x.requires_grad(),
                 need_src = src.requires_grad()](const Tensor& dy) {
                  return Grads{need_x ? cast_grad(dy, x_dtype) : Tensor(),
                               need_src ? cast_grad(index_select(dy, a, idx), src_dtype) : Tensor()};
                });
}

// ---- masks, nonzero, one_hot -------------------------------------------------------------

// masked_select = index_select of the flattened (broadcast) x at the true
// positions: composed, so its gradient is index_add's.
Tensor masked_select(const Tensor& x, const Tensor& mask) {
  detail::check_not_capturing("masked_select", "sizes its result by the mask's values");
  detail::check_defined("masked_select", x);
  detail::check_defined("masked_select", mask);
  NABLA_CHECK(mask.dtype() == kBool, "masked_select", "mask must be bool, got ", dtype_name(mask.dtype()), " (shape ",
              shape_str(mask.shape()), ")");
  detail::check_same_device("masked_select", x, mask);
  const Shape b = broadcast_shapes(x.shape(), mask.shape(), "masked_select");
  Tensor m = mask.detach().expand(b).to(Device::cpu()).contiguous();
  const bool* pm = m.data<bool>();
  std::vector<int64_t> where;
  for (int64_t i = 0; i < m.numel(); ++i)
    if (pm[i]) where.push_back(i);
  Tensor idx = int64_tensor(where, {static_cast<int64_t>(where.size())}, x.device());
  return index_select(reshape(expand(x, b), {nabla::numel(b)}), 0, idx);
}

Tensor nonzero(const Tensor& x) {
  detail::check_not_capturing("nonzero", "sizes its result by the tensor's values");
  detail::check_defined("nonzero", x);
  Tensor h = x.detach().to(Device::cpu()).contiguous();
  std::vector<int64_t> flat;
  NABLA_DISPATCH_ALL(h.dtype(), T, {
    const T* p = static_cast<const T*>(h.raw_data());
    for (int64_t i = 0; i < h.numel(); ++i)
      if (p[i] != T(0)) flat.push_back(i);
  });
  const int64_t nd = x.ndim(), count = static_cast<int64_t>(flat.size());
  std::vector<int64_t> coords(static_cast<size_t>(count * nd));
  for (int64_t c = 0; c < count; ++c) {
    int64_t rem = flat[c];
    for (int64_t d = nd - 1; d >= 0; --d) {
      coords[c * nd + d] = rem % x.shape()[d];
      rem /= x.shape()[d];
    }
  }
  return int64_tensor(coords, {count, nd}, x.device());
}

Tensor one_hot(const Tensor& labels, int64_t num_classes) {
  detail::check_defined("one_hot", labels);
  NABLA_CHECK(labels.dtype() == kInt64, "one_hot", "labels must be int64, got ", dtype_name(labels.dtype()), " (shape ",
              shape_str(labels.shape()), ")");
  detail::check_not_capturing("one_hot", "reads the labels on the host");
  std::vector<int64_t> v = host_values(labels);
  for (int64_t l : v)
    NABLA_CHECK(l >= 0, "one_hot", "label ", l, " is negative (labels of shape ", shape_str(labels.shape()), ")");
  int64_t n = num_classes;
  if (n == -1) {
    NABLA_CHECK(!v.empty(), "one_hot", "cannot infer num_classes from empty labels of shape ",
                shape_str(labels.shape()));
    n = *std::max_element(v.begin(), v.end()) + 1;
  }
  NABLA_CHECK(n >= 0, "one_hot", "num_classes must be >= 0 or -1, got ", num_classes);
  for (int64_t l : v) NABLA_CHECK(l < n, "one_hot", "label ", l, " is out of range for num_classes ", n);
  std::vector<int64_t> out(v.size() * static_cast<size_t>(n), 0);
  for (size_t i = 0; i < v.size(); ++i) out[i * n + v[i]] = 1;
  Shape shape = labels.shape();
  shape.push_back(n);
  return int64_tensor(out, shape, labels.device());
}

}  // namespace nabla
