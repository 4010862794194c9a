// Optimizer updates: one fused, in-place loop per parameter (kernels.h has
// the contract, optim/*.h the math). Each loop follows PyTorch 1.13's
// single-tensor implementation operation by operation, in the parameter's
// dtype, so float32 results agree with PyTorch to rounding.
//
// The `if`s inside the loops test loop-invariant flags: the compiler hoists
// them (loop unswitching), so the inner loops stay branch-free. The loop
// bodies capture the hyper-parameters by value ([=]): captured by reference,
// a store through the float* parameter might alias them as far as the
// compiler knows, so it reloads them every iteration and does not vectorise
// (that made the SGD step as slow as the model's GEMMs).
#include <cmath>

#include "cpu_kernels.h"
#include "parallel.h"

namespace nabla::kernels::cpu {
namespace {

template <class T>
T* ptr(const View& v) {
  return static_cast<T*>(v.data);
}

// Runs body<float> or body<double> for the parameter's dtype.
#define NABLA_OPTIM_DISPATCH(view, name, ...)                                                           \
  do {                                                                                                  \
    if ((view).dtype == DType::Float32) return name<float>(__VA_ARGS__);                                \
    NABLA_CHECK((view).dtype == DType::Float64, #name, "expected a float32 or float64 parameter, got ", \
                dtype_name((view).dtype));                                                              \
    return name<double>(__VA_ARGS__);                                                                   \
  } while (0)

// One SGD loop per combination of the flags, chosen once per call: the
// loop then has no branches and its hyper-parameters are plain function
// arguments (not members of a closure, which a store through p might alias),
// so the compiler vectorises it. maximize is a sign: -g == (-1)·g exactly.
template <class T, bool kDecay, bool kMomentum, bool kNesterov, bool kFirst>
void sgd_loop(T* p, const T* g, T* buf, int64_t begin, int64_t end, T lr, T sign, T wd, T momentum,
              T one_minus_dampening) {
  for (int64_t i = begin; i < end; ++i) {
    T d = sign * g[i];
    if constexpr (kDecay) d = d + wd * p[i];
    if constexpr (kMomentum) {
      if constexpr (kFirst)
        buf[i] = d;
      else
        buf[i] = buf[i] * momentum + one_minus_dampening * d;
      if constexpr (kNesterov)
        d = d + momentum * buf[i];
      else
        d = buf[i];
    }
    p[i] = p[i] - lr * d;
  }
}

template <class T, bool kDecay, bool kMomentum, bool kNesterov>
auto pick_sgd_loop(bool first) {
  return first ? &sgd_loop<T, kDecay, kMomentum, kNesterov, true> : &sgd_loop<T, kDecay, kMomentum, kNesterov, false>;
}

template <class T>
void sgd_typed(const View& param, const View& grad, const View& momentum_buffer, const SgdHyper& h) {
  T* p = ptr<T>(param);
  const T* g = ptr<T>(grad);
  T* buf = ptr<T>(momentum_buffer);
  const T lr = T(h.lr), momentum = T(h.momentum), one_minus_dampening = T(1 - h.dampening), wd = T(h.weight_decay);
  const T sign = h.maximize ? T(-1) : T(1);
  using Loop = void (*)(T*, const T*, T*, int64_t, int64_t, T, T, T, T, T);
  const bool decay = wd != T(0), first = h.first_step;
  Loop loop;
  if (!buf)
    loop = decay ? &sgd_loop<T, true, false, false, false> : &sgd_loop<T, false, false, false, false>;
  else if (h.nesterov)
    loop = decay ? pick_sgd_loop<T, true, true, true>(first) : pick_sgd_loop<T, false, true, true>(first);
  else
    loop = decay ? pick_sgd_loop<T, true, true, false>(first) : pick_sgd_loop<T, false, true, false>(first);
  parallel_for(param.numel(), [=](int64_t begin, int64_t end) {
    loop(p, g, buf, begin, end, lr, sign, wd, momentum, one_minus_dampening);
  });
}

template <class T>
void adam_typed(const View& param, const View& grad, const View& exp_avg, const View& exp_avg_sq,
                const View& max_exp_avg_sq, const AdamHyper& h) {
  T* p = ptr<T>(param);
  const T* g = ptr<T>(grad);
  T* m = ptr<T>(exp_avg);
  T* v = ptr<T>(exp_avg_sq);
  T* v_max = ptr<T>(max_exp_avg_sq);
  // Scalars in double first, as PyTorch computes them in Python.
  const double bias_correction1 = 1 - std::pow(h.beta1, static_cast<double>(h.step));
  const double bias_correction2 = 1 - std::pow(h.beta2, static_cast<double>(h.step));
  const T step_size = T(h.lr / bias_correction1), bias_correction2_sqrt = T(std::sqrt(bias_correction2));
  const T beta1 = T(h.beta1), beta2 = T(h.beta2), one_minus_beta1 = T(1 - h.beta1), one_minus_beta2 = T(1 - h.beta2);
  const T eps = T(h.eps), wd = T(h.weight_decay), decay = T(1 - h.lr * h.weight_decay);
  const bool decoupled = h.decoupled_weight_decay, amsgrad = h.amsgrad, maximize = h.maximize;
  parallel_for(param.numel(), [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T gi = maximize ? -g[i] : g[i];
      if (decoupled)
        p[i] = p[i] * decay;  // AdamW: shrink the weight itself
      else if (wd != T(0))
        gi = gi + wd * p[i];  // Adam: L2 penalty folded into the gradient
      m[i] = m[i] * beta1 + one_minus_beta1 * gi;
      v[i] = v[i] * beta2 + one_minus_beta2 * gi * gi;
      T second = v[i];
      if (amsgrad) second = v_max[i] = v_max[i] < v[i] ? v[i] : v_max[i];
      const T denom = std::sqrt(second) / bias_correction2_sqrt + eps;
      p[i] = p[i] + -step_size * (m[i] / denom);
    }
  });
}

template <class T>
void rmsprop_typed(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                   const View& momentum_buffer, const RmspropHyper& h) {
  T* p = ptr<T>(param);
  const T* g = ptr<T>(grad);
  T* sq = ptr<T>(square_avg);
  T* ga = ptr<T>(grad_avg);
  T* buf = ptr<T>(momentum_buffer);
  const T lr = T(h.lr), alpha = T(h.alpha), one_minus_alpha = T(1 - h.alpha), eps = T(h.eps);
  const T wd = T(h.weight_decay), momentum = T(h.momentum);
  const bool centered = h.centered, maximize = h.maximize;
  parallel_for(param.numel(), [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T gi = maximize ? -g[i] : g[i];
      if (wd != T(0)) gi = gi + wd * p[i];
      sq[i] = sq[i] * alpha + one_minus_alpha * gi * gi;
      T avg;
      if (centered) {
        ga[i] = ga[i] * alpha + one_minus_alpha * gi;
        avg = std::sqrt(sq[i] - ga[i] * ga[i]);
      } else {
        avg = std::sqrt(sq[i]);
      }
      avg = avg + eps;
      if (buf) {
        buf[i] = buf[i] * momentum + gi / avg;
        p[i] = p[i] - lr * buf[i];
      } else {
        p[i] = p[i] + -lr * (gi / avg);
      }
    }
  });
}

template <class T>
void adagrad_typed(const View& param, const View& grad, const View& sum, const AdagradHyper& h) {
  T* p = ptr<T>(param);
  const T* g = ptr<T>(grad);
  T* s = ptr<T>(sum);
  const T clr = T(h.lr / (1 + static_cast<double>(h.step - 1) * h.lr_decay));  // decayed lr
  const T eps = T(h.eps), wd = T(h.weight_decay);
  const bool maximize = h.maximize;
  parallel_for(param.numel(), [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T gi = maximize ? -g[i] : g[i];
      if (wd != T(0)) gi = gi + wd * p[i];
      s[i] = s[i] + gi * gi;
      const T std = std::sqrt(s[i]) + eps;
      p[i] = p[i] + -clr * (gi / std);
    }
  });
}

template <class T>
void ema_typed(const View& average, const View& value, double decay) {
  T* a = ptr<T>(average);
  const T* x = ptr<T>(value);
  const T d = T(decay), one_minus_d = T(1 - decay);
  parallel_for(average.numel(), [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) a[i] = a[i] * d + one_minus_d * x[i];
  });
}

}  // namespace

void sgd_step(const View& param, const View& grad, const View& momentum_buffer, const SgdHyper& h) {
  NABLA_OPTIM_DISPATCH(param, sgd_typed, param, grad, momentum_buffer, h);
}
void adam_step(const View& param, const View& grad, const View& exp_avg, const View& exp_avg_sq,
               const View& max_exp_avg_sq, const AdamHyper& h) {
  NABLA_OPTIM_DISPATCH(param, adam_typed, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, h);
}
void rmsprop_step(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                  const View& momentum_buffer, const RmspropHyper& h) {
  NABLA_OPTIM_DISPATCH(param, rmsprop_typed, param, grad, square_avg, grad_avg, momentum_buffer, h);
}
void adagrad_step(const View& param, const View& grad, const View& sum, const AdagradHyper& h) {
  NABLA_OPTIM_DISPATCH(param, adagrad_typed, param, grad, sum, h);
}
void ema_update(const View& average, const View& value, double decay) {
  NABLA_OPTIM_DISPATCH(average, ema_typed, average, value, decay);
}

}  // namespace nabla::kernels::cpu
