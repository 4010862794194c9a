// Elementwise CPU kernels: a small functor per op, all run by the one
// StridedLoop (loop.h). The body of each loop has a unit-stride fast path,
// a scalar-operand fast path, and a general strided path.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "cpu_kernels.h"
#include "loop.h"
#include "simd_clones.h"
#include "vector_exp.h"

namespace nabla::kernels::cpu {
namespace {

// ---- unary functors --------------------------------------------------------
template <class T>
T sigmoid_of(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

// A switch per element would stop vectorisation, so each op gets its own
// functor and its own instantiation of the loop.
#define NABLA_UNARY_FUNCTORS(X)       \
  X(Neg, -x)                          \
  X(Abs, x < T(0) ? -x : x)           \
  X(Sign, T((x > T(0)) - (x < T(0)))) \
  X(Reciprocal, T(1) / x)             \
  X(Square, x* x)                     \
  X(Expm1, std::expm1(x))             \
  X(Log, std::log(x))                 \
  X(Log1p, std::log1p(x))             \
  X(Sqrt, std::sqrt(x))               \
  X(Rsqrt, T(1) / std::sqrt(x))       \
  X(Sin, std::sin(x))                 \
  X(Cos, std::cos(x))                 \
  X(Erf, std::erf(x))                 \
  X(Relu, x > T(0) ? x : T(0))        \
  X(Floor, std::floor(x))             \
  X(Ceil, std::ceil(x))               \
  X(Round, std::nearbyint(x)) /* half to even, as NumPy */

#define X(name, expr)         \
  struct name##F {            \
    template <class T>        \
    T operator()(T x) const { \
      return expr;            \
    }                         \
  };
NABLA_UNARY_FUNCTORS(X)
#undef X

// exp, sigmoid and tanh of float also have a form for a whole run, through
// the vectorised exp (vector_exp.h, within 1-1.5 ulp): std::exp is one libm
// call per element. exp of a [32, 128] activation took 8.0-9.5 µs that way,
// 1.4 µs this way; sigmoid 10.6 -> 2.5 µs (Zen 5, 1 thread). Double keeps
// std::exp and std::tanh.
struct ExpF {
  template <class T>
  T operator()(T x) const {
    return std::exp(x);
  }
  static void run(float* y, const float* x, int64_t n) { exp_into(y, x, n); }
};
struct SigmoidF {
  template <class T>
  T operator()(T x) const {
    return sigmoid_of(x);
  }
  static void run(float* y, const float* x, int64_t n) {  // y may be x
    for (int64_t i = 0; i < n; ++i) y[i] = -x[i];
    exp_into(y, y, n);
    for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + y[i]);
  }
};

struct TanhF {
  template <class T>
  T operator()(T x) const {
    return std::tanh(x);
  }
  static void run(float* y, const float* x, int64_t n) { tanh_into(y, x, n); }
};

// The ops above with a float run form, for the switches below.
#define NABLA_UNARY_RUN_FUNCTORS(X) X(Exp, _) X(Sigmoid, _) X(Tanh, _)

template <class F, class = void>
struct has_float_run : std::false_type {};
template <class F>
struct has_float_run<F, std::void_t<decltype(&F::run)>> : std::true_type {};

// A float run of F::run's op, in blocks that stay in L1 (F::run makes
// several passes). A strided run is copied through a buffer, so that every
// layout of the same values gives the same bits.
template <class F>
void float_run(float* o, const float* a, int64_t so, int64_t sa, int64_t n) {
  constexpr int64_t kBlock = 1024;
  float buffer[kBlock];
  for (int64_t i = 0; i < n; i += kBlock) {
    const int64_t m = std::min(kBlock, n - i);
    if (so == 1 && sa == 1) {
      F::run(o + i, a + i, m);
      continue;
    }
    for (int64_t j = 0; j < m; ++j) buffer[j] = a[(i + j) * sa];
    F::run(buffer, buffer, m);
    for (int64_t j = 0; j < m; ++j) o[(i + j) * so] = buffer[j];
  }
}

template <class T, class F>
void run_unary(const View& out, const View& in, F f) {
  const View* views[2] = {&out, &in};
  for_each_run(views, [f](char** p, const int64_t* s, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    const T* a = reinterpret_cast<const T*>(p[1]);
    if constexpr (std::is_same<T, float>::value && has_float_run<F>::value) {
      // Byte strides that are not whole floats can't occur: views are typed.
      float_run<F>(o, a, s[0] / int64_t(sizeof(float)), s[1] / int64_t(sizeof(float)), n);
    } else if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]));
    }
  });
}

// ---- binary functors -------------------------------------------------------
template <class T>
T pow_of(T a, T b) {
  if constexpr (std::is_integral<T>::value) {
    // integer power by squaring; negative exponents give 0 except for |a| == 1
    if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
    T r = 1;
    while (b) {
      if (b & 1) r *= a;
      a *= a;
      b >>= 1;
    }
    return r;
  } else {
    return std::pow(a, b);
  }
}
// NaN propagates through maximum/minimum, as in NumPy.
template <class T>
T max_of(T a, T b) {
  return (a != a || a > b) ? a : b;
}
template <class T>
T min_of(T a, T b) {
  return (a != a || a < b) ? a : b;
}

#define NABLA_ARITH_FUNCTORS(X) \
  X(Add, a + b)                 \
  X(Sub, a - b)                 \
  X(Mul, a* b)                  \
  X(Div, a / b)                 \
  X(Pow, pow_of(a, b))          \
  X(Maximum, max_of(a, b))      \
  X(Minimum, min_of(a, b))      \
  X(WherePositive, b > T(0) ? a : T(0))
#define NABLA_PREDICATE_FUNCTORS(X) \
  X(Eq, a == b)                     \
  X(Ne, a != b)                     \
  X(Lt, a < b)                      \
  X(Le, a <= b)                     \
  X(Gt, a > b)                      \
  X(Ge, a >= b)                     \
  X(LogicalAnd, bool(a) && bool(b)) \
  X(LogicalOr, bool(a) || bool(b))  \
  X(LogicalXor, bool(a) != bool(b))

#define X(name, expr)              \
  struct name##F {                 \
    template <class T>             \
    T operator()(T a, T b) const { \
      return expr;                 \
    }                              \
  };
NABLA_ARITH_FUNCTORS(X)
#undef X
#define X(name, expr)                 \
  struct name##F {                    \
    template <class T>                \
    bool operator()(T a, T b) const { \
      return expr;                    \
    }                                 \
  };
NABLA_PREDICATE_FUNCTORS(X)
#undef X

// Out is T for arithmetic, bool for predicates; inputs are T.
template <class T, class Out, class F>
void run_binary(const View& out, const View& a, const View& b, F f) {
  const View* views[3] = {&out, &a, &b};
  for_each_run(views, [f](char** p, const int64_t* s, int64_t n) {
    Out* o = reinterpret_cast<Out*>(p[0]);
    const T* x = reinterpret_cast<const T*>(p[1]);
    const T* y = reinterpret_cast<const T*>(p[2]);
    const bool out_unit = s[0] == sizeof(Out);
    if (out_unit && s[1] == sizeof(T) && s[2] == sizeof(T)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (out_unit && s[1] == sizeof(T) && s[2] == 0) {
      const T yv = *y;  // tensor (op) scalar
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
    } else if (out_unit && s[1] == 0 && s[2] == sizeof(T)) {
      const T xv = *x;  // scalar (op) tensor
      for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<Out*>(p[0] + i * s[0]) =
            f(*reinterpret_cast<const T*>(p[1] + i * s[1]), *reinterpret_cast<const T*>(p[2] + i * s[2]));
    }
  });
}

template <class T>
void unary_typed(UnaryOp op, const View& out, const View& in) {
  switch (op) {
#define X(name, expr)                 \
  case UnaryOp::name:                 \
    run_unary<T>(out, in, name##F{}); \
    return;
    NABLA_UNARY_FUNCTORS(X)
    NABLA_UNARY_RUN_FUNCTORS(X)
#undef X
    default:
      break;
  }
  NABLA_CHECK(false, unary_op_name(op), "not implemented on CPU for ", dtype_name(in.dtype));
}

template <class T>
void binary_typed(BinaryOp op, const View& out, const View& a, const View& b) {
  if constexpr (!std::is_same<T, bool>::value) {  // bool arithmetic is computed in int64
    switch (op) {
#define X(name, expr)                       \
  case BinaryOp::name:                      \
    run_binary<T, T>(out, a, b, name##F{}); \
    return;
      NABLA_ARITH_FUNCTORS(X)
#undef X
      default:
        break;
    }
  }
  switch (op) {
#define X(name, expr)                          \
  case BinaryOp::name:                         \
    run_binary<T, bool>(out, a, b, name##F{}); \
    return;
    NABLA_PREDICATE_FUNCTORS(X)
#undef X
    default:
      break;
  }
}

}  // namespace

void unary(UnaryOp op, const View& out, const View& in) {
  switch (in.dtype) {
    case DType::Float32:
      unary_typed<float>(op, out, in);
      return;
    case DType::Float64:
      unary_typed<double>(op, out, in);
      return;
    case DType::Int64:
      NABLA_CHECK(op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Sign || op == UnaryOp::Square ||
                      op == UnaryOp::Relu,
                  unary_op_name(op), "not defined for int64 (convert with astype first)");
      switch (op) {
        case UnaryOp::Neg:
          run_unary<int64_t>(out, in, NegF{});
          return;
        case UnaryOp::Abs:
          run_unary<int64_t>(out, in, AbsF{});
          return;
        case UnaryOp::Sign:
          run_unary<int64_t>(out, in, SignF{});
          return;
        case UnaryOp::Square:
          run_unary<int64_t>(out, in, SquareF{});
          return;
        default:
          run_unary<int64_t>(out, in, ReluF{});
          return;
      }
    case DType::Bool:
      NABLA_CHECK(op == UnaryOp::LogicalNot, unary_op_name(op), "not defined for bool");
      run_unary<bool>(out, in, [](bool x) { return !x; });
      return;
  }
}

void binary(BinaryOp op, const View& out, const View& a, const View& b) {
  NABLA_DISPATCH_ALL(a.dtype, T, binary_typed<T>(op, out, a, b));
}

// ---- the dense fast path: n contiguous elements, one dtype ----
namespace {
// Autograd's bookkeeping tensors (scalars, 4-vectors) are tiny, and below a
// few elements the vectorised loop's alias checks and remainder handling
// cost more than the work. The empty asm statement keeps the compiler from
// vectorising these loops, so they stay a few instructions per element.
constexpr int64_t kTinyElements = 8;
inline void scalar_loop_barrier() { asm volatile("" ::: "memory"); }

// Calls body(F{}) with the functor of `op`, so that each loop below is
// written once for every op; false when `op` has no functor of that kind.
// The helpers and the loop lambdas passed to them are always inlined:
// inside a SIMD clone the loop is then compiled for that clone's
// instruction set (a call would run code built for the baseline).
template <class Body>
[[gnu::always_inline]] inline bool with_unary_functor(UnaryOp op, Body&& body) {
  switch (op) {
#define X(name, expr) \
  case UnaryOp::name: \
    body(name##F{});  \
    return true;
    NABLA_UNARY_FUNCTORS(X)
    NABLA_UNARY_RUN_FUNCTORS(X)
#undef X
    default:
      return false;
  }
}
template <class Body>
[[gnu::always_inline]] inline bool with_arith_functor(BinaryOp op, Body&& body) {
  switch (op) {
#define X(name, expr)  \
  case BinaryOp::name: \
    body(name##F{});   \
    return true;
    NABLA_ARITH_FUNCTORS(X)
#undef X
    default:
      return false;
  }
}

// The loops over more than a few elements, built for AVX-512, AVX2 and the
// baseline (simd_clones.h): a batch-32 layer's activations are thousands of
// elements, 4 at a time in the baseline build. Out of line and separate from
// the tiny loops, so that a tiny op does not go through the clone's dispatch.
template <class T>
NABLA_SIMD_CLONES bool unary_dense_wide(UnaryOp op, T* out, const T* in, int64_t n) {
  return with_unary_functor(
      op, [&](auto f) __attribute__((always_inline)) {
        using F = decltype(f);
        if constexpr (std::is_same<T, float>::value && has_float_run<F>::value)
          float_run<F>(out, in, 1, 1, n);
        else
          for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
      });
}

// a_step/b_step: 1 for n elements, 0 for one element broadcast to n.
template <class T>
NABLA_SIMD_CLONES bool binary_dense_wide(BinaryOp op, T* out, const T* a, int64_t a_step, const T* b, int64_t b_step,
                                         int64_t n) {
  return with_arith_functor(
      op, [&](auto f) __attribute__((always_inline)) {
        if (a_step && b_step) {
          for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
        } else if (a_step) {
          const T bv = *b;
          for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
        } else {
          const T av = *a;
          for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i * b_step]);
        }
      });
}

// Tiny loops, n <= kTinyElements, for the ops that compile to a few
// instructions. A libm call (exp, pow, ...) in one of them would make
// unary_dense/binary_dense save registers and set up a stack frame on every
// call; those ops take the out-of-line path even when tiny.
inline bool is_inline_op(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
    case UnaryOp::Abs:
    case UnaryOp::Sign:
    case UnaryOp::Reciprocal:
    case UnaryOp::Square:
    case UnaryOp::Relu:
      return true;
    default:
      return false;
  }
}
inline bool is_inline_op(BinaryOp op) { return op != BinaryOp::Pow; }

template <class T>
bool unary_dense_typed(UnaryOp op, T* out, const T* in, int64_t n) {
  if (!is_inline_op(op)) return false;
  return with_unary_functor(
      op, [&](auto f) __attribute__((always_inline)) {
        for (int64_t i = 0; i < n; ++i) {
          out[i] = f(in[i]);
          scalar_loop_barrier();
        }
      });
}

template <class T>
bool binary_dense_typed(BinaryOp op, T* out, const T* a, int64_t a_step, const T* b, int64_t b_step, int64_t n) {
  if (!is_inline_op(op)) return false;
  return with_arith_functor(
      op, [&](auto f) __attribute__((always_inline)) {
        for (int64_t i = 0; i < n; ++i) {
          out[i] = f(a[i * a_step], b[i * b_step]);
          scalar_loop_barrier();
        }
      });
}

// The general engine on 1-D views: big tensors (threaded), int64/bool (their
// own rules). Out of line, so that the small float path below does not pay
// for this one's stack frame on every call.
__attribute__((noinline)) void unary_as_views(UnaryOp op, DType dtype, void* out, const void* in, int64_t n) {
  const int64_t shape[1] = {n}, unit[1] = {1};
  const Device cpu = Device::cpu();
  cpu::unary(op, View{out, dtype, cpu, 1, shape, unit}, View{const_cast<void*>(in), dtype, cpu, 1, shape, unit});
}
__attribute__((noinline)) void binary_as_views(BinaryOp op, DType dtype, void* out, const void* a, int64_t a_step,
                                               const void* b, int64_t b_step, int64_t n) {
  const int64_t shape[1] = {n}, unit[1] = {1}, a_stride[1] = {a_step}, b_stride[1] = {b_step};
  const Device cpu = Device::cpu();
  cpu::binary(op, View{out, dtype, cpu, 1, shape, unit}, View{const_cast<void*>(a), dtype, cpu, 1, shape, a_stride},
              View{const_cast<void*>(b), dtype, cpu, 1, shape, b_stride});
}

// The wide loops' float/double entry.
bool unary_wide(UnaryOp op, DType dtype, void* out, const void* in, int64_t n) {
  if (dtype == DType::Float32) return unary_dense_wide(op, static_cast<float*>(out), static_cast<const float*>(in), n);
  if (dtype == DType::Float64)
    return unary_dense_wide(op, static_cast<double*>(out), static_cast<const double*>(in), n);
  return false;
}
bool binary_wide(BinaryOp op, DType dtype, void* out, const void* a, int64_t a_step, const void* b, int64_t b_step,
                 int64_t n) {
  if (dtype == DType::Float32)
    return binary_dense_wide(op, static_cast<float*>(out), static_cast<const float*>(a), a_step,
                             static_cast<const float*>(b), b_step, n);
  if (dtype == DType::Float64)
    return binary_dense_wide(op, static_cast<double*>(out), static_cast<const double*>(a), a_step,
                             static_cast<const double*>(b), b_step, n);
  return false;
}

// Everything but the tiny float loops, out of line and reached by a tail
// call: unary_dense/binary_dense below then call nothing else, so their tiny
// path needs no stack frame and saves no registers.
__attribute__((noinline)) void unary_dense_rest(UnaryOp op, DType dtype, void* out, const void* in, int64_t n) {
  if (n > kTinyElements && n < kGrainSize && unary_wide(op, dtype, out, in, n)) return;
  unary_as_views(op, dtype, out, in, n);
}
__attribute__((noinline)) void binary_dense_rest(BinaryOp op, DType dtype, void* out, const void* a, int64_t a_step,
                                                 const void* b, int64_t b_step, int64_t n) {
  if (n > kTinyElements && n < kGrainSize && binary_wide(op, dtype, out, a, a_step, b, b_step, n)) return;
  binary_as_views(op, dtype, out, a, a_step, b, b_step, n);
}
}  // namespace

// Small float tensors run the loop right here; larger ones in the wide
// loops; the rest (threaded, int64, bool) through the general engine.
void unary_dense(UnaryOp op, DType dtype, Device, void* out, const void* in, int64_t n) {
  if (n <= kTinyElements) {
    if (dtype == DType::Float32 && unary_dense_typed(op, static_cast<float*>(out), static_cast<const float*>(in), n))
      return;
    if (dtype == DType::Float64 && unary_dense_typed(op, static_cast<double*>(out), static_cast<const double*>(in), n))
      return;
  }
  unary_dense_rest(op, dtype, out, in, n);
}

void binary_dense(BinaryOp op, DType dtype, Device, void* out, const void* a, int64_t a_step, const void* b,
                  int64_t b_step, int64_t n) {
  if (n <= kTinyElements) {
    if (dtype == DType::Float32 && binary_dense_typed(op, static_cast<float*>(out), static_cast<const float*>(a),
                                                      a_step, static_cast<const float*>(b), b_step, n))
      return;
    if (dtype == DType::Float64 && binary_dense_typed(op, static_cast<double*>(out), static_cast<const double*>(a),
                                                      a_step, static_cast<const double*>(b), b_step, n))
      return;
  }
  binary_dense_rest(op, dtype, out, a, a_step, b, b_step, n);
}

// acc += a·b: a product gradient added into a leaf's .grad (autograd's
// accumulate_product). Tiny ones inline, the rest in the wide loops, on
// several threads from kGrainSize elements.
namespace {
template <class T>
NABLA_SIMD_CLONES void add_product_wide(T* acc, const T* a, const T* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] += a[i] * b[i];
}
template <class T>
void add_product_tiny(T* acc, const T* a, const T* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    acc[i] += a[i] * b[i];
    scalar_loop_barrier();
  }
}
__attribute__((noinline)) void add_product_rest(DType dtype, void* acc, const void* a, const void* b, int64_t n) {
  NABLA_DISPATCH_FLOAT(dtype, T, "add_product", parallel_for(n, [=](int64_t begin, int64_t end) {
                         add_product_wide(static_cast<T*>(acc) + begin, static_cast<const T*>(a) + begin,
                                          static_cast<const T*>(b) + begin, end - begin);
                       }));
}
}  // namespace

void add_product_dense(DType dtype, Device, void* acc, const void* a, const void* b, int64_t n) {
  if (n <= kTinyElements && dtype == DType::Float32)
    return add_product_tiny(static_cast<float*>(acc), static_cast<const float*>(a), static_cast<const float*>(b), n);
  if (n <= kTinyElements && dtype == DType::Float64)
    return add_product_tiny(static_cast<double*>(acc), static_cast<const double*>(a), static_cast<const double*>(b), n);
  add_product_rest(dtype, acc, a, b, n);
}

void where(const View& out, const View& cond, const View& a, const View& b) {
  const View* views[4] = {&out, &cond, &a, &b};
  StridedLoop<4> loop(views);
  NABLA_DISPATCH_ALL(out.dtype, T, loop.for_each_run([](char** p, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const bool*>(p[1] + i * s[1])
                                                   ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                   : *reinterpret_cast<const T*>(p[3] + i * s[3]);
  }));
}

namespace {
template <class To, class From>
void copy_typed(const View& out, const View& in) {
  const View* views[2] = {&out, &in};
  for_each_run(views, [](char** p, const int64_t* s, int64_t n) {
    To* o = reinterpret_cast<To*>(p[0]);
    const From* a = reinterpret_cast<const From*>(p[1]);
    if (s[0] == sizeof(To) && s[1] == sizeof(From)) {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<To>(a[i]);
    } else if (s[0] == sizeof(To) && s[1] == 0) {
      const To v = static_cast<To>(*a);
      for (int64_t i = 0; i < n; ++i) o[i] = v;
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<To*>(p[0] + i * s[0]) = static_cast<To>(*reinterpret_cast<const From*>(p[1] + i * s[1]));
    }
  });
}
template <class To>
void copy_to(const View& out, const View& in) {
  switch (in.dtype) {
    case DType::Bool:
      copy_typed<To, bool>(out, in);
      break;
    case DType::Int64:
      copy_typed<To, int64_t>(out, in);
      break;
    case DType::Float32:
      copy_typed<To, float>(out, in);
      break;
    case DType::Float64:
      copy_typed<To, double>(out, in);
      break;
  }
}
}  // namespace

void copy(const View& out, const View& in) { NABLA_DISPATCH_ALL(out.dtype, T, copy_to<T>(out, in)); }

void fill(const View& out, double value) {
  NABLA_DISPATCH_ALL(out.dtype, T, {
    const T v = static_cast<T>(value);
    View scalar{const_cast<T*>(&v), out.dtype, out.device, out.ndim, out.shape, nullptr};
    int64_t zeros[kMaxDims] = {};
    scalar.strides = zeros;
    copy_typed<T, T>(out, scalar);
  });
}

}  // namespace nabla::kernels::cpu
