// The narrow backend interface (STYLE.md habit 5): every function here is
// implemented once per backend, kernels/cpu/ and kernels/cuda/, and picked by
// the device of the output View (kernels/dispatch.cpp).
//
// Preconditions the caller (autograd/ops/) guarantees: all views are on the
// same device; elementwise inputs are broadcast to the output shape; dtypes
// are as documented per function.
#pragma once
#include <cstdint>

#include "primitives.h"
#include "view.h"

namespace nabla::kernels {

// out = f(in); in and out have the same dtype (LogicalNot: bool).
void unary(UnaryOp op, const View& out, const View& in);
// out = f(a, b); a and b share a dtype; out is bool for comparisons/logical ops.
void binary(BinaryOp op, const View& out, const View& a, const View& b);
// out = cond ? a : b; cond is bool, a/b/out share a dtype.
void where(const View& out, const View& cond, const View& a, const View& b);
// out = in, converting the dtype; in is broadcast to out's shape.
void copy(const View& out, const View& in);
void fill(const View& out, double value);

// out holds the reduction of `in` over the axes where out.shape[i] == 1 and
// in.shape[i] != 1 (out has in's ndim: "keepdims"). Sum/Prod keep in's dtype
// (float sums accumulate in double); Any/All read and write bool.
void reduce(ReduceOp op, const View& out, const View& in);
// Index of the max (min) along `axis`; out: int64 with in's shape minus axis.
// Ties give the first index, as NumPy; NaN counts as the max.
void argmax(const View& out, const View& in, int axis, bool is_min);

// out[b] = a[b] @ b[b] for 3-D views [B, M, K] @ [B, K, N] -> [B, M, N];
// out contiguous; a and b may be transposed views (either inner stride 1).
void matmul(const View& out, const View& a, const View& b);

// Fills a contiguous float view from the Philox stream (seed, offset):
// element i uses counter offset + i, so results do not depend on threading.
void uniform(const View& out, uint64_t seed, uint64_t offset, double low, double high);
void normal(const View& out, uint64_t seed, uint64_t offset, double mean, double stddev);

// Indexing along one axis. index is int64, contiguous.
// gather:      out[i][j] = in[i][index[i][j]]          (axis = 1 example)
// scatter_add: out[i][index[i][j]] += src[i][j]
// index_select: out = in taken at `index` (1-D) along axis
// index_add:   out[..., index[k], ...] += src[..., k, ...] along axis
void gather(const View& out, const View& in, const View& index, int axis);
void scatter_add(const View& out, const View& index, const View& src, int axis);
void index_select(const View& out, const View& in, const View& index, int axis);
void index_add(const View& out, const View& index, const View& src, int axis);
// Sorts each row of a contiguous [rows, n] view (values and int64 indices).
// Stable; NaN sorts last in ascending order.
void sort_rows(const View& values, const View& indices, bool descending);

// The highest index any `index` element may take is checked by the caller;
// kernels assume indices are in range.

// ---- linear (nn/functional/linear.cpp) ----
// The epilogue of a fused linear layer, in place on y [M, N] (contiguous,
// float): y = act(y + bias), act = relu when `relu`, else identity. bias is
// [N] contiguous, or a View with null data for no bias. One pass over y
// instead of two (bias add, then relu).
void bias_act(const View& y, const View& bias, bool relu);
}  // namespace nabla::kernels
