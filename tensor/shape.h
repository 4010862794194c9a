// Shapes, strides and the arithmetic on them (broadcasting, axis wrapping).
// Strides are counted in elements, not bytes, as in PyTorch.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

#include "error.h"
#include "small_vector.h"

namespace nabla {

using Shape = SmallVector<int64_t, 6>;

inline int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// "(2, 3)"; a 0-d shape prints "()", a 1-d one "(5,)" as in NumPy.
inline std::string shape_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << shape_str(s); }

// Row-major (C order) strides for a shape, written into `strides` (the form
// tensor creation uses, so no temporary Shape is made per op) or returned.
inline void contiguous_strides(const Shape& shape, Shape& strides) {
  strides.resize_for_overwrite(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i] > 1 ? shape[i] : 1;
  }
}
inline Shape contiguous_strides(const Shape& shape) {
  Shape strides;
  contiguous_strides(shape, strides);
  return strides;
}

// NumPy broadcasting: align trailing dims; each pair must match or contain a 1.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast") {
  if (a == b) return a;
  size_t n = a.size() > b.size() ? a.size() : b.size();
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    NABLA_CHECK(da == db || da == 1 || db == 1, op, "shapes ", shape_str(a), " and ", shape_str(b),
                " cannot be broadcast together (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Wraps a possibly negative axis into [0, ndim); throws naming the op otherwise.
inline int64_t wrap_axis(int64_t axis, int64_t ndim, const char* op) {
  int64_t n = ndim == 0 ? 1 : ndim;  // a 0-d tensor accepts axis 0 / -1
  NABLA_CHECK(axis >= -n && axis < n, op, "axis ", axis, " is out of range for a tensor with ", ndim,
              " dims (expected ", -n, " <= axis < ", n, ")");
  return axis < 0 ? axis + n : axis;
}

}  // namespace nabla
