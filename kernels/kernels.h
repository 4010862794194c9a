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

}  // namespace nabla::kernels
