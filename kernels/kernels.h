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

// ---- conv (nn/functional/conv.cpp) ----
// One 2-D convolution y = conv2d(x, w): x [N, C_in, H, W], w [C_out, C_in/G,
// KH, KW], y [N, C_out, OH, OW], all contiguous, one floating dtype;
//   y[n, o, oh, ow] = Σ_{c, i, j} w[o, c, i, j] · x[n, g·C_in/G + c, oh·sh - ph + i·dh, ow·sw - pw + j·dw]
// (g = o's group, x = 0 outside). conv_transpose2d and conv2d_weight are
// described by the conv2d whose adjoints they are. The sizes are given, not
// derived, so OH/OW need not follow the usual formula (output_padding).
struct Conv2dGeometry {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  int64_t groups;
};
// y = conv2d(x, w) + b; b is [C_out], or a View with data == nullptr for none.
void conv2d(const Conv2dGeometry& g, const View& y, const View& x, const View& w, const View& b);
// x = conv2dᵀ(y, w) + b, the adjoint of conv2d in its input (b: [C_in] or none).
void conv_transpose2d(const Conv2dGeometry& g, const View& x, const View& y, const View& w, const View& b);
// w = Σ_n (gradient of <y[n], conv2d(x[n], w)> in w): conv2d's weight gradient.
void conv2d_weight(const Conv2dGeometry& g, const View& w, const View& x, const View& y);

// ---- pool (nn/functional/pool.cpp) ----
// One 2-D pooling of P = N·C planes: x [P, H, W] -> y [P, OH, OW], contiguous.
// Window of output row oh: rows oh·sh - ph + a·dh, a < KH (columns alike);
// when adaptive, rows [floor(oh·H/OH), ceil((oh+1)·H/OH)) instead.
struct Pool2dGeometry {
  int64_t planes, in_h, in_w, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  bool adaptive, count_include_pad;
};
// y = max of each window (padding never wins; NaN does), indices = int64
// ih·W + iw of that max in its plane (the first one on ties).
void max_pool2d(const Pool2dGeometry& g, const View& y, const View& indices, const View& x);
// max_pool2d's gradient: dx (overwritten) = Σ of dy over the windows whose max each pixel is.
void max_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy, const View& indices);
// y = sum of each window / its divisor (no dilation): the window size, or
// with count_include_pad the size clipped to the padded input; adaptive: size.
void avg_pool2d(const Pool2dGeometry& g, const View& y, const View& x);
// avg_pool2d's adjoint: dx[i] = Σ over windows o holding i of dy[o] / divisor(o).
void avg_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy);
}  // namespace nabla::kernels
