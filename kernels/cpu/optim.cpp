// Optimizer updates: one fused, in-place loop per parameter (kernels.h has
// the contract, optim/*.h the math). Each loop follows PyTorch 1.13's
// single-tensor implementation operation by operation, in the parameter's
// dtype, so float32 results agree with PyTorch to rounding.
//
// Every loop runs in a function whose hyper-parameters are plain arguments
// or locals: read from a lambda's captures, a store through the float*
// might alias them as far as the compiler knows, so it reloads them every
// iteration and does not vectorise (that made the SGD step, as first
// written, as slow as the model's GEMMs).
#include <cmath>

#include "cpu_kernels.h"
#include "denormals.h"
#include "parallel.h"
#include "simd_clones.h"

namespace nabla::kernels::cpu {
namespace {

// Updates are split across threads from this many elements up, above
// kGrainSize: an update streams a few arrays once, so it is bound by memory,
// and a small one is over before a fork/join pays. The benchmark MLP's
// 100k-weight layer is split; its 8k-weight layer is not. A split update
// gives thread t the t-th contiguous block of the flat parameter. When the
// GEMMs split the weight into as many pieces (as with 2 threads here),
// those are the rows that gemm.cpp's split gives thread t in x·Wᵀ and dW,
// so each thread updates the weight, gradient and momentum it already has
// in its core's cache (~24 -> ~17 µs per step at 2 threads on that model).
// With more threads the pieces may differ, and some rows change cores.
constexpr int64_t kUpdateGrain = int64_t(1) << 16;

template <class T>
T* ptr(const View& v) {
  return static_cast<T*>(v.data);
}

// One SGD loop per combination of the flags, chosen once per call: the
// loop then has no branches and its hyper-parameters are plain function
// arguments (not members of a closure, which a store through p might alias),
// so the compiler vectorises it. maximize is a sign: -g == (-1)·g exactly.
template <class T, bool kDecay, bool kMomentum, bool kNesterov, bool kFirst>
NABLA_SIMD_CLONES void sgd_loop(T* p, const T* g, T* buf, int64_t begin, int64_t end, T lr, T sign, T wd, T momentum,
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
  parallel_for(
      param.numel(),
      [=](int64_t begin, int64_t end) {
        FlushDenormals ftz;  // decaying momentum buffers (denormals.h)
        loop(p, g, buf, begin, end, lr, sign, wd, momentum, one_minus_dampening);
      },
      kUpdateGrain);
}

// The other updates follow one pattern: the typed function packs pointers
// and scalars into a struct, and each thread's range runs in a function that
// takes that struct by value and unpacks it into locals. Locals cannot be
// aliased by the stores through the pointers, so the loop vectorises, and
// its flag tests are loop-invariant, so the compiler unswitches them.
template <class T>
struct AdamArgs {
  T *p, *m, *v, *v_max;
  const T* g;
  T step_size, bias_correction2_sqrt, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, wd, decay;
  bool decoupled, amsgrad, maximize;
};

// The flags are template arguments so each variant is a straight loop; the
// buffers are distinct allocations, which __restrict tells the vectoriser.
enum AdamDecay { kNoDecay, kL2Decay, kDecoupledDecay };

template <class T, AdamDecay decay_kind, bool amsgrad>
void adam_range(const AdamArgs<T> a, int64_t begin, int64_t end) {
  T* __restrict p = a.p, * __restrict m = a.m, * __restrict v = a.v, * __restrict v_max = a.v_max;
  const T* __restrict g = a.g;
  const T step_size = a.step_size, bias_correction2_sqrt = a.bias_correction2_sqrt, beta1 = a.beta1, beta2 = a.beta2,
          one_minus_beta1 = a.one_minus_beta1, one_minus_beta2 = a.one_minus_beta2, eps = a.eps, wd = a.wd,
          decay = a.decay;
  const T sign = a.maximize ? T(-1) : T(1);  // -g == (-1)·g exactly
  for (int64_t i = begin; i < end; ++i) {
    T gi = sign * g[i];
    if constexpr (decay_kind == kDecoupledDecay)
      p[i] = p[i] * decay;  // AdamW: shrink the weight itself
    else if constexpr (decay_kind == kL2Decay)
      gi = gi + wd * p[i];  // Adam: L2 penalty folded into the gradient
    m[i] = m[i] * beta1 + one_minus_beta1 * gi;
    v[i] = v[i] * beta2 + one_minus_beta2 * gi * gi;
    T second = v[i];
    if constexpr (amsgrad) second = v_max[i] = v_max[i] < v[i] ? v[i] : v_max[i];
    const T denom = std::sqrt(second) / bias_correction2_sqrt + eps;
    p[i] = p[i] + -step_size * (m[i] / denom);
  }
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
  using Range = void (*)(AdamArgs<T>, int64_t, int64_t);
  const AdamDecay kind = a.decoupled ? kDecoupledDecay : a.wd != T(0) ? kL2Decay : kNoDecay;
  const Range ranges[3][2] = {{&adam_range<T, kNoDecay, false>, &adam_range<T, kNoDecay, true>},
                              {&adam_range<T, kL2Decay, false>, &adam_range<T, kL2Decay, true>},
                              {&adam_range<T, kDecoupledDecay, false>, &adam_range<T, kDecoupledDecay, true>}};
  const Range range = ranges[kind][a.amsgrad ? 1 : 0];
  parallel_for(
      param.numel(),
      [a, range](int64_t begin, int64_t end) {
        FlushDenormals ftz;
        range(a, begin, end);
      },
      kUpdateGrain);
}

template <class T>
struct RmspropArgs {
  T *p, *sq, *ga, *buf;
  const T* g;
  T lr, alpha, one_minus_alpha, eps, wd, momentum;
  bool centered, maximize;
};

template <class T>
void rmsprop_range(const RmspropArgs<T> a, int64_t begin, int64_t end) {
  T *p = a.p, *sq = a.sq, *ga = a.ga, *buf = a.buf;
  const T* g = a.g;
  const T lr = a.lr, alpha = a.alpha, one_minus_alpha = a.one_minus_alpha, eps = a.eps, wd = a.wd,
          momentum = a.momentum;
  const bool centered = a.centered, maximize = a.maximize;
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
}

template <class T>
void rmsprop_typed(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                   const View& momentum_buffer, const RmspropHyper& h) {
  const RmspropArgs<T> a{
      ptr<T>(param), ptr<T>(square_avg), ptr<T>(grad_avg), ptr<T>(momentum_buffer), ptr<T>(grad),  T(h.lr),
      T(h.alpha),    T(1 - h.alpha),     T(h.eps),         T(h.weight_decay),       T(h.momentum), h.centered,
      h.maximize};
  parallel_for(
      param.numel(),
      [a](int64_t begin, int64_t end) {
        FlushDenormals ftz;
        rmsprop_range(a, begin, end);
      },
      kUpdateGrain);
}

template <class T>
struct AdagradArgs {
  T *p, *s;
  const T* g;
  T clr, eps, wd;
  bool maximize;
};

template <class T>
void adagrad_range(const AdagradArgs<T> a, int64_t begin, int64_t end) {
  T *p = a.p, *s = a.s;
  const T* g = a.g;
  const T clr = a.clr, eps = a.eps, wd = a.wd;
  const bool maximize = a.maximize;
  for (int64_t i = begin; i < end; ++i) {
    T gi = maximize ? -g[i] : g[i];
    if (wd != T(0)) gi = gi + wd * p[i];
    s[i] = s[i] + gi * gi;
    const T std = std::sqrt(s[i]) + eps;
    p[i] = p[i] + -clr * (gi / std);
  }
}

template <class T>
void adagrad_typed(const View& param, const View& grad, const View& sum, const AdagradHyper& h) {
  const T clr = T(h.lr / (1 + static_cast<double>(h.step - 1) * h.lr_decay));  // decayed lr
  const AdagradArgs<T> a{ptr<T>(param), ptr<T>(sum), ptr<T>(grad), clr, T(h.eps), T(h.weight_decay), h.maximize};
  parallel_for(
      param.numel(),
      [a](int64_t begin, int64_t end) {
        FlushDenormals ftz;
        adagrad_range(a, begin, end);
      },
      kUpdateGrain);
}

template <class T>
void ema_range(T* a, const T* x, T d, T one_minus_d, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) a[i] = a[i] * d + one_minus_d * x[i];
}

template <class T>
void ema_typed(const View& average, const View& value, double decay) {
  T* a = ptr<T>(average);
  const T* x = ptr<T>(value);
  const T d = T(decay), one_minus_d = T(1 - decay);
  parallel_for(
      average.numel(),
      [=](int64_t begin, int64_t end) {
        FlushDenormals ftz;
        ema_range(a, x, d, one_minus_d, begin, end);
      },
      kUpdateGrain);
}

}  // namespace

void sgd_step(const View& param, const View& grad, const View& momentum_buffer, const SgdHyper& h) {
  NABLA_DISPATCH_FLOAT(param.dtype, T, "sgd_step", sgd_typed<T>(param, grad, momentum_buffer, h));
}
void adam_step(const View& param, const View& grad, const View& exp_avg, const View& exp_avg_sq,
               const View& max_exp_avg_sq, const AdamHyper& h) {
  NABLA_DISPATCH_FLOAT(param.dtype, T, "adam_step", adam_typed<T>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, h));
}
void rmsprop_step(const View& param, const View& grad, const View& square_avg, const View& grad_avg,
                  const View& momentum_buffer, const RmspropHyper& h) {
  NABLA_DISPATCH_FLOAT(param.dtype, T, "rmsprop_step",
                       rmsprop_typed<T>(param, grad, square_avg, grad_avg, momentum_buffer, h));
}
void adagrad_step(const View& param, const View& grad, const View& sum, const AdagradHyper& h) {
  NABLA_DISPATCH_FLOAT(param.dtype, T, "adagrad_step", adagrad_typed<T>(param, grad, sum, h));
}
void ema_update(const View& average, const View& value, double decay) {
  NABLA_DISPATCH_FLOAT(average.dtype, T, "ema_update", ema_typed<T>(average, value, decay));
}

}  // namespace nabla::kernels::cpu
