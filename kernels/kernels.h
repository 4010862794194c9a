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
// The same two on n contiguous elements of one dtype (out too: arithmetic
// ops only, not comparisons): no shapes, no strides. Most of a training
// step's bookkeeping is tiny tensors, where walking shapes and strides
// costs more than the arithmetic; this path is a switch and a loop.
// a_step/b_step are 1 for n elements, 0 for one element broadcast to all n
// (a gradient seeded by sum(), a scalar operand).
void unary_dense(UnaryOp op, DType dtype, Device device, void* out, const void* in, int64_t n);
void binary_dense(BinaryOp op, DType dtype, Device device, void* out, const void* a, int64_t a_step, const void* b,
                  int64_t b_step, int64_t n);
// acc += a · b on n contiguous elements of one floating dtype (float32,
// float64); acc may be a or b itself. The engine adds a product gradient
// (mul's dy·x) straight into a leaf's .grad with it: one pass over .grad
// instead of a temporary and then an add (autograd::accumulate_product).
void add_product_dense(DType dtype, Device device, void* acc, const void* a, const void* b, int64_t n);
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
// ---- optim (optim/*.cpp) ----
// One fused, in-place pass per parameter: each element of the parameter and
// its state is read and written once, with no temporaries. Every view is
// contiguous, float32 or float64, with the parameter's dtype and numel; a
// state buffer the configuration does not use has data == nullptr.
// Hyper-parameters arrive as doubles and are rounded to the parameter's
// dtype, as PyTorch's scalar arguments are. The update rules are written out
// in optim/sgd.h, optim/adam.h, optim/rmsprop.h and optim/adagrad.h.
struct SgdHyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  bool first_step;  // the momentum buffer starts as the first gradient
};
void sgd_step(const View& param, const View& grad, const View& momentum_buffer, const SgdHyper& h);
// The same step with the gradient a · b (a [1, m, k], b [1, k, n], as
// matmul takes them), which is never stored: the product's tiles update
// the parameter and momentum rows they cover from registers (the weight
// gradient of a linear layer and the optimizer's pass over it in one).
// Returns false, having done nothing, where no fused kernel takes it (then
// compute the gradient and call sgd_step): CPUs without AVX-512, CUDA,
// float64, no momentum or its first step, products the small GEMM kernels
// of kernels/cpu/gemm_small.h do not take in one block of k.
bool sgd_step_product(const View& param, const View& a, const View& b, const View& momentum_buffer, const SgdHyper& h);

struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay;
  int64_t step;  // 1 at the first update (bias correction)
  bool amsgrad, decoupled_weight_decay /* AdamW */, maximize;
};
void adam_step(const View& param, const View& grad, const View& exp_avg, const View& exp_avg_sq,
               const View& max_exp_avg_sq, const AdamHyper& h);

struct RmspropHyper {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};
void rmsprop_step(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                  const View& momentum_buffer, const RmspropHyper& h);

struct AdagradHyper {
  double lr, lr_decay, eps, weight_decay;
  int64_t step;  // 1 at the first update
  bool maximize;
};
void adagrad_step(const View& param, const View& grad, const View& sum, const AdagradHyper& h);

// average = decay * average + (1 - decay) * value (weight averaging, optim/ema.h).
void ema_update(const View& average, const View& value, double decay);

// ---- loss (nn/functional/loss.cpp) ----
// Fused softmax cross-entropy of each row of contiguous logits [N, C]
// (float32/float64) against contiguous int64 class indices target [N]:
//   lse[i]  = log Σ_c exp(x[i, c])                   (max-shifted, stable)
//   loss[i] = (1-ε) w[t_i] (lse[i] - x[i, t_i]) + ε/C Σ_c w[c] (lse[i] - x[i, c])
// and loss[i] = 0 where t_i == ignore_index. ε = label_smoothing. weight is
// contiguous [C] of the logits' dtype, or has data == nullptr for all ones.
// loss and lse: contiguous [N] of the logits' dtype. Targets other than
// ignore_index lie in [0, C) (checked by the caller).
void cross_entropy_forward(const View& loss, const View& lse, const View& logits, const View& target,
                           const View& weight, int64_t ignore_index, double label_smoothing);
// dlogits[i, c] = dloss[i] (a_i softmax[i, c] - (1-ε) w[t_i] [c = t_i] - ε/C w[c]),
// a_i = (1-ε) w[t_i] + ε/C Σ_c w[c]; 0 on ignored rows. softmax comes from
// logits and the forward's lse. dloss: [N], any stride (0 for a reduced loss).
void cross_entropy_backward(const View& dlogits, const View& dloss, const View& logits, const View& lse,
                            const View& target, const View& weight, int64_t ignore_index, double label_smoothing);
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
