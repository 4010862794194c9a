// Optimizer updates: one fused, in-place kernel per parameter, one thread per
// element, the same operations in the same order and dtype as the CPU twin
// (kernels/cpu/optim.cpp, which follows PyTorch 1.13's single-tensor code).
// Hyper-parameters are rounded to the parameter's dtype on the host exactly
// as there. nvcc may fuse a*b + c into an FMA, so float32 results can differ
// from the CPU in the last bit. The flags are runtime arguments: the branch
// is the same for every thread, so it costs nothing beside memory traffic.
#include <cmath>

#include "cuda_kernels.h"
#include "runtime.h"

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

template <class T>
T* ptr(const View& v) {
  return static_cast<T*>(v.data);
}

#define NABLA_GRID_STRIDE(i, n)                                                          \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

template <class T>
struct SgdArgs {
  T* p;
  const T* g;
  T* buf;  // null: no momentum
  T lr, sign, wd, momentum, one_minus_dampening;
  bool nesterov, first;
};

template <class T>
__global__ void sgd_kernel(const SgdArgs<T> a, int64_t n) {
  NABLA_GRID_STRIDE(i, n) {
    T d = a.sign * a.g[i];
    if (a.wd != T(0)) d = d + a.wd * a.p[i];
    if (a.buf) {
      if (a.first)
        a.buf[i] = d;
      else
        a.buf[i] = a.buf[i] * a.momentum + a.one_minus_dampening * d;
      if (a.nesterov)
        d = d + a.momentum * a.buf[i];
      else
        d = a.buf[i];
    }
    a.p[i] = a.p[i] - a.lr * d;
  }
}

template <class T>
struct AdamArgs {
  T *p, *m, *v, *v_max;
  const T* g;
  T step_size, bias_correction2_sqrt, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, wd, decay;
  bool decoupled, amsgrad, maximize;
};

template <class T>
__global__ void adam_kernel(const AdamArgs<T> a, int64_t n) {
  NABLA_GRID_STRIDE(i, n) {
    T gi = (a.maximize ? T(-1) : T(1)) * a.g[i];
    if (a.decoupled)
      a.p[i] = a.p[i] * a.decay;  // AdamW: shrink the weight itself
    else if (a.wd != T(0))
      gi = gi + a.wd * a.p[i];  // Adam: L2 penalty folded into the gradient
    a.m[i] = a.m[i] * a.beta1 + a.one_minus_beta1 * gi;
    a.v[i] = a.v[i] * a.beta2 + a.one_minus_beta2 * gi * gi;
    T second = a.v[i];
    if (a.amsgrad) second = a.v_max[i] = a.v_max[i] < a.v[i] ? a.v[i] : a.v_max[i];
    const T denom = sqrt(second) / a.bias_correction2_sqrt + a.eps;
    a.p[i] = a.p[i] + -a.step_size * (a.m[i] / denom);
  }
}

template <class T>
struct RmspropArgs {
  T *p, *sq, *ga, *buf;
  const T* g;
  T lr, alpha, one_minus_alpha, eps, wd, momentum;
  bool centered, maximize;
};

template <class T>
__global__ void rmsprop_kernel(const RmspropArgs<T> a, int64_t n) {
  NABLA_GRID_STRIDE(i, n) {
    T gi = a.maximize ? -a.g[i] : a.g[i];
    if (a.wd != T(0)) gi = gi + a.wd * a.p[i];
    a.sq[i] = a.sq[i] * a.alpha + a.one_minus_alpha * gi * gi;
    T avg;
    if (a.centered) {
      a.ga[i] = a.ga[i] * a.alpha + a.one_minus_alpha * gi;
      avg = sqrt(a.sq[i] - a.ga[i] * a.ga[i]);
    } else {
      avg = sqrt(a.sq[i]);
    }
    avg = avg + a.eps;
    if (a.buf) {
      a.buf[i] = a.buf[i] * a.momentum + gi / avg;
      a.p[i] = a.p[i] - a.lr * a.buf[i];
    } else {
      a.p[i] = a.p[i] + -a.lr * (gi / avg);
    }
  }
}

template <class T>
struct AdagradArgs {
  T *p, *s;
  const T* g;
  T clr, eps, wd;
  bool maximize;
};

template <class T>
__global__ void adagrad_kernel(const AdagradArgs<T> a, int64_t n) {
  NABLA_GRID_STRIDE(i, n) {
    T gi = a.maximize ? -a.g[i] : a.g[i];
    if (a.wd != T(0)) gi = gi + a.wd * a.p[i];
    a.s[i] = a.s[i] + gi * gi;
    const T std = sqrt(a.s[i]) + a.eps;
    a.p[i] = a.p[i] + -a.clr * (gi / std);
  }
}

template <class T>
__global__ void ema_kernel(T* avg, const T* x, T d, T one_minus_d, int64_t n) {
  NABLA_GRID_STRIDE(i, n) { avg[i] = avg[i] * d + one_minus_d * x[i]; }
}

// Launches kernel(args, n) for n elements on the current stream.
template <class Args>
void launch(void (*kernel)(Args, int64_t), const Args& args, int64_t n) {
  if (n == 0) return;
  kernel<<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(args, n);
  NABLA_CUDA_CHECK(cudaGetLastError());
}

template <class T>
void sgd_typed(const View& param, const View& grad, const View& momentum_buffer, const SgdHyper& h) {
  const SgdArgs<T> a{ptr<T>(param),     ptr<T>(grad),  ptr<T>(momentum_buffer), T(h.lr),    h.maximize ? T(-1) : T(1),
                     T(h.weight_decay), T(h.momentum), T(1 - h.dampening),      h.nesterov, h.first_step};
  launch(&sgd_kernel<T>, a, param.numel());
}

template <class T>
void adam_typed(const View& param, const View& grad, const View& exp_avg, const View& exp_avg_sq,
                const View& max_exp_avg_sq, const AdamHyper& h) {
  // Scalars in double first, as PyTorch computes them in Python.
  const double bias_correction1 = 1 - std::pow(h.beta1, static_cast<double>(h.step));
  const double bias_correction2 = 1 - std::pow(h.beta2, static_cast<double>(h.step));
  const AdamArgs<T> a{ptr<T>(param),
                      ptr<T>(exp_avg),
                      ptr<T>(exp_avg_sq),
                      ptr<T>(max_exp_avg_sq),
                      ptr<T>(grad),
                      T(h.lr / bias_correction1),
                      T(std::sqrt(bias_correction2)),
                      T(h.beta1),
                      T(h.beta2),
                      T(1 - h.beta1),
                      T(1 - h.beta2),
                      T(h.eps),
                      T(h.weight_decay),
                      T(1 - h.lr * h.weight_decay),
                      h.decoupled_weight_decay,
                      h.amsgrad,
                      h.maximize};
  launch(&adam_kernel<T>, a, param.numel());
}

template <class T>
void rmsprop_typed(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                   const View& momentum_buffer, const RmspropHyper& h) {
  const RmspropArgs<T> a{
      ptr<T>(param), ptr<T>(square_avg), ptr<T>(grad_avg), ptr<T>(momentum_buffer), ptr<T>(grad),  T(h.lr),
      T(h.alpha),    T(1 - h.alpha),     T(h.eps),         T(h.weight_decay),       T(h.momentum), h.centered,
      h.maximize};
  launch(&rmsprop_kernel<T>, a, param.numel());
}

template <class T>
void adagrad_typed(const View& param, const View& grad, const View& sum, const AdagradHyper& h) {
  const T clr = T(h.lr / (1 + static_cast<double>(h.step - 1) * h.lr_decay));  // decayed lr
  const AdagradArgs<T> a{ptr<T>(param), ptr<T>(sum), ptr<T>(grad), clr, T(h.eps), T(h.weight_decay), h.maximize};
  launch(&adagrad_kernel<T>, a, param.numel());
}

template <class T>
void ema_typed(const View& average, const View& value, double decay) {
  const int64_t n = average.numel();
  if (n == 0) return;
  ema_kernel<T><<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(ptr<T>(average), ptr<T>(value), T(decay),
                                                                          T(1 - decay), n);
  NABLA_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void sgd_step(const View& param, const View& grad, const View& momentum_buffer, const SgdHyper& h) {
  rt::check_same_device("sgd_step", param, grad);
  rt::check_same_device("sgd_step", param, momentum_buffer);
  rt::DeviceGuard guard(param.device.index);
  NABLA_DISPATCH_FLOAT(param.dtype, T, "sgd_step", sgd_typed<T>(param, grad, momentum_buffer, h));
}
void adam_step(const View& param, const View& grad, const View& exp_avg, const View& exp_avg_sq,
               const View& max_exp_avg_sq, const AdamHyper& h) {
  rt::check_same_device("adam_step", param, grad);
  rt::check_same_device("adam_step", param, exp_avg);
  rt::check_same_device("adam_step", param, exp_avg_sq);
  rt::check_same_device("adam_step", param, max_exp_avg_sq);
  rt::DeviceGuard guard(param.device.index);
  NABLA_DISPATCH_FLOAT(param.dtype, T, "adam_step", adam_typed<T>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, h));
}
void rmsprop_step(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                  const View& momentum_buffer, const RmspropHyper& h) {
  rt::check_same_device("rmsprop_step", param, grad);
  rt::check_same_device("rmsprop_step", param, square_avg);
  rt::check_same_device("rmsprop_step", param, grad_avg);
  rt::check_same_device("rmsprop_step", param, momentum_buffer);
  rt::DeviceGuard guard(param.device.index);
  NABLA_DISPATCH_FLOAT(param.dtype, T, "rmsprop_step",
                       rmsprop_typed<T>(param, grad, square_avg, grad_avg, momentum_buffer, h));
}
void adagrad_step(const View& param, const View& grad, const View& sum, const AdagradHyper& h) {
  rt::check_same_device("adagrad_step", param, grad);
  rt::check_same_device("adagrad_step", param, sum);
  rt::DeviceGuard guard(param.device.index);
  NABLA_DISPATCH_FLOAT(param.dtype, T, "adagrad_step", adagrad_typed<T>(param, grad, sum, h));
}
void ema_update(const View& average, const View& value, double decay) {
  rt::check_same_device("ema_update", average, value);
  rt::DeviceGuard guard(average.device.index);
  NABLA_DISPATCH_FLOAT(average.dtype, T, "ema_update", ema_typed<T>(average, value, decay));
}

}  // namespace nabla::kernels::cuda
