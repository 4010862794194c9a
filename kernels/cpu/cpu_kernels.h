// The CPU backend: the same function set as kernels/kernels.h (see there for
// the contracts), one file per op family.
#pragma once
#include <cstdint>

#include "../kernels.h"  // the hyper-parameter structs of the optim kernels
#include "../primitives.h"
#include "../view.h"

namespace nabla::kernels::cpu {

void unary(UnaryOp op, const View& out, const View& in);
void binary(BinaryOp op, const View& out, const View& a, const View& b);
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
void adam_step(const View& param, const View& grad, const View& exp_avg, const View& exp_avg_sq,
               const View& max_exp_avg_sq, const AdamHyper& h);
void rmsprop_step(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                  const View& momentum_buffer, const RmspropHyper& h);
void adagrad_step(const View& param, const View& grad, const View& sum, const AdagradHyper& h);
void ema_update(const View& average, const View& value, double decay);

}  // namespace nabla::kernels::cpu
