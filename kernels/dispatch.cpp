// Picks the backend for each kernel call from the device of its first view.
// Without CUDA kernels, a CUDA view is an error naming the device.
// NABLA_HAS_CUDA is defined by kernels/cuda/CMakeLists.txt once the CUDA
// kernels (kernels/cuda/cuda_kernels.h, the same function set as
// cpu/cpu_kernels.h) exist; today that backend has runtime queries only.
#include "../tensor/error.h"
#include "cpu/cpu_kernels.h"
#include "kernels.h"
#ifdef NABLA_HAS_CUDA
#include "cuda/cuda_kernels.h"
#define NABLA_BACKEND_CALL(view, fn, ...)                      \
  do {                                                         \
    if ((view).device.is_cuda()) return cuda::fn(__VA_ARGS__); \
    return cpu::fn(__VA_ARGS__);                               \
  } while (0)
#else
#define NABLA_BACKEND_CALL(view, fn, ...)                                                         \
  do {                                                                                            \
    NABLA_CHECK(!(view).device.is_cuda(), #fn, "tensor is on ", (view).device.str(),              \
                " but this build of nabla has no CUDA backend (configure with -DNABLA_CUDA=ON)"); \
    return cpu::fn(__VA_ARGS__);                                                                  \
  } while (0)
#endif

namespace nabla::kernels {

void unary(UnaryOp op, const View& out, const View& in) { NABLA_BACKEND_CALL(out, unary, op, out, in); }
void binary(BinaryOp op, const View& out, const View& a, const View& b) {
  NABLA_BACKEND_CALL(out, binary, op, out, a, b);
}
void where(const View& out, const View& c, const View& a, const View& b) {
  NABLA_BACKEND_CALL(out, where, out, c, a, b);
}
void copy(const View& out, const View& in) {
  // Cross-device copies go through the CUDA backend, which knows both sides.
  NABLA_BACKEND_CALL((out.device.is_cuda() ? out : in), copy, out, in);
}
void fill(const View& out, double value) { NABLA_BACKEND_CALL(out, fill, out, value); }
void reduce(ReduceOp op, const View& out, const View& in) { NABLA_BACKEND_CALL(out, reduce, op, out, in); }
void argmax(const View& out, const View& in, int axis, bool is_min) {
  NABLA_BACKEND_CALL(out, argmax, out, in, axis, is_min);
}
void matmul(const View& out, const View& a, const View& b) { NABLA_BACKEND_CALL(out, matmul, out, a, b); }
void uniform(const View& out, uint64_t seed, uint64_t offset, double low, double high) {
  NABLA_BACKEND_CALL(out, uniform, out, seed, offset, low, high);
}
void normal(const View& out, uint64_t seed, uint64_t offset, double mean, double stddev) {
  NABLA_BACKEND_CALL(out, normal, out, seed, offset, mean, stddev);
}
void gather(const View& out, const View& in, const View& index, int axis) {
  NABLA_BACKEND_CALL(out, gather, out, in, index, axis);
}
void scatter_add(const View& out, const View& index, const View& src, int axis) {
  NABLA_BACKEND_CALL(out, scatter_add, out, index, src, axis);
}
void index_select(const View& out, const View& in, const View& index, int axis) {
  NABLA_BACKEND_CALL(out, index_select, out, in, index, axis);
}
void index_add(const View& out, const View& index, const View& src, int axis) {
  NABLA_BACKEND_CALL(out, index_add, out, index, src, axis);
}
void sort_rows(const View& values, const View& indices, bool descending) {
  NABLA_BACKEND_CALL(values, sort_rows, values, indices, descending);
}

// ---- linear (nn/functional/linear.cpp) ----
void bias_act(const View& y, const View& bias, bool relu) { NABLA_BACKEND_CALL(y, bias_act, y, bias, relu); }
// ---- optim (optim/*.cpp) ----
void sgd_step(const View& param, const View& grad, const View& momentum_buffer, const SgdHyper& h) {
  NABLA_BACKEND_CALL(param, sgd_step, param, grad, momentum_buffer, h);
}
void adam_step(const View& param, const View& grad, const View& exp_avg, const View& exp_avg_sq,
               const View& max_exp_avg_sq, const AdamHyper& h) {
  NABLA_BACKEND_CALL(param, adam_step, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, h);
}
void rmsprop_step(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                  const View& momentum_buffer, const RmspropHyper& h) {
  NABLA_BACKEND_CALL(param, rmsprop_step, param, grad, square_avg, grad_avg, momentum_buffer, h);
}
void adagrad_step(const View& param, const View& grad, const View& sum, const AdagradHyper& h) {
  NABLA_BACKEND_CALL(param, adagrad_step, param, grad, sum, h);
}
void ema_update(const View& average, const View& value, double decay) {
  NABLA_BACKEND_CALL(average, ema_update, average, value, decay);
}

}  // namespace nabla::kernels
