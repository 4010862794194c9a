// The CPU backend: the same function set as kernels/kernels.h (see there for
// the contracts), one file per op family.
#pragma once
#include <cstdint>

#include "../kernels.h"  // the parameter structs (optim hyper-parameters, conv/pool geometry)

namespace nabla::kernels::cpu {

void unary(UnaryOp op, const View& out, const View& in);
void binary(BinaryOp op, const View& out, const View& a, const View& b);
// The dense variants ignore `device` (always the CPU here); it keeps their
// signature the dispatcher's, as the CUDA versions need it.
void unary_dense(UnaryOp op, DType dtype, Device device, void* out, const void* in, int64_t n);
void binary_dense(BinaryOp op, DType dtype, Device device, void* out, const void* a, int64_t a_step, const void* b,
                  int64_t b_step, int64_t n);
void add_product_dense(DType dtype, Device device, void* acc, const void* a, const void* b, int64_t n);
void where(const View& out, const View& cond, const View& a, const View& b);
void copy(const View& out, const View& in);
void fill(const View& out, double value);
void reduce(ReduceOp op, const View& out, const View& in);
void argmax(const View& out, const View& in, int axis, bool is_min);
void matmul(const View& out, const View& a, const View& b);
void uniform(const View& out, uint64_t seed, uint64_t offset, double low, double high);
void normal(const View& out, uint64_t seed, uint64_t offset, double mean, double stddev);
void gather(const View& out, const View& in, const View& index, int axis);
void scatter_add(const View& out, const View& index, const View& src, int axis);
void index_select(const View& out, const View& in, const View& index, int axis);
void index_add(const View& out, const View& index, const View& src, int axis);
void sort_rows(const View& values, const View& indices, bool descending);

// ---- linear (nn/functional/linear.cpp) ----
void bias_act(const View& y, const View& bias, bool relu);
// ---- optim (optim/*.cpp) ----
void sgd_step(const View& param, const View& grad, const View& momentum_buffer, const SgdHyper& h);
bool sgd_step_product(const View& param, const View& a, const View& b, const View& momentum_buffer, const SgdHyper& h);
void adam_step(const View& param, const View& grad, const View& exp_avg, const View& exp_avg_sq,
               const View& max_exp_avg_sq, const AdamHyper& h);
void rmsprop_step(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                  const View& momentum_buffer, const RmspropHyper& h);
void adagrad_step(const View& param, const View& grad, const View& sum, const AdagradHyper& h);
void ema_update(const View& average, const View& value, double decay);
// ---- loss (nn/functional/loss.cpp) ----
void cross_entropy_forward(const View& loss, const View& lse, const View& logits, const View& target,
                           const View& weight, int64_t ignore_index, double label_smoothing);
void cross_entropy_backward(const View& dlogits, const View& dloss, const View& logits, const View& lse,
                            const View& target, const View& weight, int64_t ignore_index, double label_smoothing);
// ---- conv (nn/functional/conv.cpp) ----
void conv2d(const Conv2dGeometry& g, const View& y, const View& x, const View& w, const View& b);
void conv_transpose2d(const Conv2dGeometry& g, const View& x, const View& y, const View& w, const View& b);
void conv2d_weight(const Conv2dGeometry& g, const View& w, const View& x, const View& y);

// ---- pool (nn/functional/pool.cpp) ----
void max_pool2d(const Pool2dGeometry& g, const View& y, const View& indices, const View& x);
void max_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy, const View& indices);
void avg_pool2d(const Pool2dGeometry& g, const View& y, const View& x);
void avg_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy);

}  // namespace nabla::kernels::cpu
