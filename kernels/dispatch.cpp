// Picks the backend for each kernel call from the device of its first view.
// Without CUDA kernels, a CUDA view is an error naming the device. While the
// calling thread records a tape (tape.h), each call is also appended to it.
// NABLA_HAS_CUDA is defined by kernels/cuda/CMakeLists.txt when the CUDA
// kernels (kernels/cuda/cuda_kernels.h, the same function set as
// cpu/cpu_kernels.h) are built.
#include <tuple>

#include "../tensor/error.h"
#include "cpu/cpu_kernels.h"
#include "kernels.h"
#include "tape.h"
#ifdef NABLA_HAS_CUDA
#include "cuda/cuda_kernels.h"
#define NABLA_BACKEND_CALL(view, fn, ...)                                                             \
  do {                                                                                                \
    const bool recording = __builtin_expect(tapes_recording.load(std::memory_order_relaxed) != 0, 0); \
    if ((view).device.is_cuda())                                                                      \
      return recording ? NABLA_RECORDING_CALL(cuda, fn, __VA_ARGS__) : cuda::fn(__VA_ARGS__);         \
    return recording ? NABLA_RECORDING_CALL(cpu, fn, __VA_ARGS__) : cpu::fn(__VA_ARGS__);             \
  } while (0)
#else
#define NABLA_BACKEND_CALL(view, fn, ...)                                                         \
  do {                                                                                            \
    NABLA_CHECK(!(view).device.is_cuda(), #fn, "tensor is on ", (view).device.str(),              \
                " but this build of nabla has no CUDA backend (configure with -DNABLA_CUDA=ON)"); \
    if (__builtin_expect(tapes_recording.load(std::memory_order_relaxed) != 0, 0))                \
      return NABLA_RECORDING_CALL(cpu, fn, __VA_ARGS__);                                          \
    return cpu::fn(__VA_ARGS__);                                                                  \
  } while (0)
#endif

// While some thread records a tape, a kernel call goes through
// Recording::call (below): it appends the call to this thread's tape, if
// this thread is the one recording, then makes it. The kernel's name rides
// along as a lambda that returns it (an empty object: it costs no register).
#define NABLA_RECORDING_CALL(backend, fn, ...) \
  Recording<decltype(backend::fn)>::call<&backend::fn>([] { return #fn; }, __VA_ARGS__)

namespace nabla::kernels {

namespace {
// A View as a tape keeps it: the shape and strides copied in, rebuilt into
// a View each time the entry runs (the copy lives inside the entry).
struct KeptView {
  View view;
  int64_t dims[2 * kMaxDims];
  View at() const {
    View v = view;
    v.shape = dims;
    v.strides = dims + kMaxDims;
    return v;
  }
};

void check_recordable(const char* fn, Device device) {
  NABLA_CHECK(device.is_cpu(), "capture", "kernel ", fn, " runs on ", device.str(),
              ": only CPU steps can be captured for now (run this step without capture)");
}

// Every argument as the entry keeps it, and as it hands it back.
template <class T>
T keep(const char*, const T& x) {
  return x;
}
Device keep(const char* fn, const Device& d) {
  check_recordable(fn, d);
  return d;
}
KeptView keep(const char* fn, const View& v) {
  check_recordable(fn, v.device);
  KeptView k{v, {}};
  for (int i = 0; i < v.ndim; ++i) {
    k.dims[i] = v.shape[i];
    k.dims[kMaxDims + i] = v.strides[i];
  }
  return k;
}
template <class T>
const T& use(const T& x) {
  return x;
}
View use(const KeptView& k) { return k.at(); }

// The recording path of a kernel call. It is out of line and takes exactly
// the kernel's own parameters, so a dispatcher reaches it with a jump, as it
// reaches the kernel: its usual path (nothing recording) then builds no
// stack frame, which matters for the tiny kernels that run a few times per op.
template <class Signature>
struct Recording;
template <class... P>
struct Recording<void(P...)> {
  template <void (*Kernel)(P...), class Name>
  __attribute__((noinline, cold)) static void call(Name name, P... args) {
    if (Tape* tape = recording_tape()) {
      // The entry keeps a copy of each argument and calls the kernel again.
      tape->add([kept = std::make_tuple(keep(name(), args)...)] {
        std::apply([](const auto&... k) { Kernel(use(k)...); }, kept);
      });
    }
    Kernel(args...);
  }
};
}  // namespace

std::atomic<int> tapes_recording{0};

namespace {
thread_local Tape* this_thread_tape = nullptr;
}  // namespace
Tape* recording_tape() { return this_thread_tape; }
Tape* set_recording_tape(Tape* t) {
  Tape* prev = this_thread_tape;
  this_thread_tape = t;
  tapes_recording += (t != nullptr) - (prev != nullptr);
  return prev;
}

}  // namespace nabla::kernels

namespace nabla::kernels {

namespace {
// A data-less View that only names a device: what NABLA_BACKEND_CALL picks
// the backend by, for the kernels that take raw pointers.
View on(Device device) {
  View v;
  v.device = device;
  return v;
}
}  // namespace

void unary(UnaryOp op, const View& out, const View& in) { NABLA_BACKEND_CALL(out, unary, op, out, in); }
void binary(BinaryOp op, const View& out, const View& a, const View& b) {
  NABLA_BACKEND_CALL(out, binary, op, out, a, b);
}
// The dense variants take the device: raw pointers do not say where they
// point (the CPU versions ignore it).
void unary_dense(UnaryOp op, DType dtype, Device device, void* out, const void* in, int64_t n) {
  NABLA_BACKEND_CALL(on(device), unary_dense, op, dtype, device, out, in, n);
}
void binary_dense(BinaryOp op, DType dtype, Device device, void* out, const void* a, int64_t a_step, const void* b,
                  int64_t b_step, int64_t n) {
  NABLA_BACKEND_CALL(on(device), binary_dense, op, dtype, device, out, a, a_step, b, b_step, n);
}
void add_product_dense(DType dtype, Device device, void* acc, const void* a, const void* b, int64_t n) {
  NABLA_BACKEND_CALL(on(device), add_product_dense, dtype, device, acc, a, b, n);
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
namespace {
// A replay would draw the same numbers again (dropout's mask, say), so the
// random fills refuse to be recorded.
void check_not_recording_random(const char* fn) {
  NABLA_CHECK(!(tapes_recording.load(std::memory_order_relaxed) != 0 && recording_tape()), "capture", fn,
              " draws random numbers, and a captured step would replay the same ones every time: random ops "
              "(rand, randn, dropout, ...) cannot be captured yet");
}
}  // namespace
void uniform(const View& out, uint64_t seed, uint64_t offset, double low, double high) {
  check_not_recording_random("uniform");
  NABLA_BACKEND_CALL(out, uniform, out, seed, offset, low, high);
}
void normal(const View& out, uint64_t seed, uint64_t offset, double mean, double stddev) {
  check_not_recording_random("normal");
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
bool sgd_step_product(const View& param, const View& a, const View& b, const View& momentum_buffer, const SgdHyper& h) {
  // CPU only, and never recorded: while a tape records (capture), decline,
  // so the caller forms the gradient and makes the recorded update instead.
  if (param.device.is_cuda() || tapes_recording.load(std::memory_order_relaxed) != 0) return false;
  return cpu::sgd_step_product(param, a, b, momentum_buffer, h);
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

// ---- loss (nn/functional/loss.cpp) ----
void cross_entropy_forward(const View& loss, const View& lse, const View& logits, const View& target,
                           const View& weight, int64_t ignore_index, double label_smoothing) {
  NABLA_BACKEND_CALL(logits, cross_entropy_forward, loss, lse, logits, target, weight, ignore_index, label_smoothing);
}
void cross_entropy_backward(const View& dlogits, const View& dloss, const View& logits, const View& lse,
                            const View& target, const View& weight, int64_t ignore_index, double label_smoothing) {
  NABLA_BACKEND_CALL(logits, cross_entropy_backward, dlogits, dloss, logits, lse, target, weight, ignore_index,
                     label_smoothing);
}

// ---- conv (nn/functional/conv.cpp) ----
void conv2d(const Conv2dGeometry& g, const View& y, const View& x, const View& w, const View& b) {
  NABLA_BACKEND_CALL(y, conv2d, g, y, x, w, b);
}
void conv_transpose2d(const Conv2dGeometry& g, const View& x, const View& y, const View& w, const View& b) {
  NABLA_BACKEND_CALL(x, conv_transpose2d, g, x, y, w, b);
}
void conv2d_weight(const Conv2dGeometry& g, const View& w, const View& x, const View& y) {
  NABLA_BACKEND_CALL(w, conv2d_weight, g, w, x, y);
}

// ---- pool (nn/functional/pool.cpp) ----
void max_pool2d(const Pool2dGeometry& g, const View& y, const View& indices, const View& x) {
  NABLA_BACKEND_CALL(y, max_pool2d, g, y, indices, x);
}
void max_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy, const View& indices) {
  NABLA_BACKEND_CALL(dx, max_pool2d_backward, g, dx, dy, indices);
}
void avg_pool2d(const Pool2dGeometry& g, const View& y, const View& x) { NABLA_BACKEND_CALL(y, avg_pool2d, g, y, x); }
void avg_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy) {
  NABLA_BACKEND_CALL(dx, avg_pool2d_backward, g, dx, dy);
}

}  // namespace nabla::kernels
