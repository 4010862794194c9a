// Elementwise CUDA kernels: unary, binary, where, copy (with dtype
// conversion; across devices through transfer.cu) and fill. Each is a small
// device functor run by launch_elementwise (loop.cuh), the twin of
// kernels/cpu/elementwise.cpp: same formulas, same NaN rules.
#include <type_traits>

#include "cuda_kernels.h"
#include "loop.cuh"

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

// ---- unary -------------------------------------------------------------------
// float/double: CUDA's math library overloads exp, log, ... for both.
template <class T>
__device__ T unary_float(UnaryOp op, T x) {
  switch (op) {
    case UnaryOp::Neg:
      return -x;
    case UnaryOp::Abs:
      return x < T(0) ? -x : x;
    case UnaryOp::Sign:
      return T((x > T(0)) - (x < T(0)));
    case UnaryOp::Reciprocal:
      return T(1) / x;
    case UnaryOp::Square:
      return x * x;
    case UnaryOp::Exp:
      return exp(x);
    case UnaryOp::Expm1:
      return expm1(x);
    case UnaryOp::Log:
      return log(x);
    case UnaryOp::Log1p:
      return log1p(x);
    case UnaryOp::Sqrt:
      return sqrt(x);
    case UnaryOp::Rsqrt:
      return T(1) / sqrt(x);
    case UnaryOp::Sin:
      return sin(x);
    case UnaryOp::Cos:
      return cos(x);
    case UnaryOp::Tanh:
      return tanh(x);
    case UnaryOp::Sigmoid:
      return T(1) / (T(1) + exp(-x));
    case UnaryOp::Erf:
      return erf(x);
    case UnaryOp::Relu:
      return x > T(0) ? x : T(0);
    case UnaryOp::Floor:
      return floor(x);
    case UnaryOp::Ceil:
      return ceil(x);
    case UnaryOp::Round:
      return nearbyint(x);  // half to even, as NumPy
    default:
      return x;  // LogicalNot never reaches here (checked on the host)
  }
}

// int64: the ops that keep integers integral (checked on the host).
__device__ int64_t unary_int(UnaryOp op, int64_t x) {
  switch (op) {
    case UnaryOp::Neg:
      return -x;
    case UnaryOp::Abs:
      return x < 0 ? -x : x;
    case UnaryOp::Sign:
      return (x > 0) - (x < 0);
    case UnaryOp::Square:
      return x * x;
    default:  // Relu
      return x > 0 ? x : 0;
  }
}

template <class T>
struct UnaryF {
  T* out;
  const T* in;
  UnaryOp op;
  __device__ void operator()(const int64_t (&off)[2]) const {
    if constexpr (std::is_same<T, bool>::value)
      out[off[0]] = !in[off[1]];
    else if constexpr (std::is_same<T, int64_t>::value)
      out[off[0]] = unary_int(op, in[off[1]]);
    else
      out[off[0]] = unary_float(op, in[off[1]]);
  }
};

template <class T>
void run_unary(UnaryOp op, const View& out, const View& in) {
  const View* views[2] = {&out, &in};
  launch_elementwise(views, UnaryF<T>{static_cast<T*>(out.data), static_cast<const T*>(in.data), op});
}

// ---- binary ------------------------------------------------------------------
template <class T>
__device__ T pow_of(T a, T b) {
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
    return pow(a, b);
  }
}

// NaN propagates through maximum/minimum, as in NumPy.
template <class T>
__device__ T binary_arith(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add:
      return a + b;
    case BinaryOp::Sub:
      return a - b;
    case BinaryOp::Mul:
      return a * b;
    case BinaryOp::Div:
      return a / b;
    case BinaryOp::Pow:
      return pow_of(a, b);
    case BinaryOp::Maximum:
      return (a != a || a > b) ? a : b;
    case BinaryOp::Minimum:
      return (a != a || a < b) ? a : b;
    default:  // WherePositive
      return b > T(0) ? a : T(0);
  }
}

template <class T>
__device__ bool binary_predicate(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Eq:
      return a == b;
    case BinaryOp::Ne:
      return a != b;
    case BinaryOp::Lt:
      return a < b;
    case BinaryOp::Le:
      return a <= b;
    case BinaryOp::Gt:
      return a > b;
    case BinaryOp::Ge:
      return a >= b;
    case BinaryOp::LogicalAnd:
      return bool(a) && bool(b);
    case BinaryOp::LogicalOr:
      return bool(a) || bool(b);
    default:  // LogicalXor
      return bool(a) != bool(b);
  }
}

template <class T>
struct ArithF {
  T* out;
  const T* a;
  const T* b;
  BinaryOp op;
  __device__ void operator()(const int64_t (&off)[3]) const { out[off[0]] = binary_arith(op, a[off[1]], b[off[2]]); }
};

template <class T>
struct PredicateF {
  bool* out;
  const T* a;
  const T* b;
  BinaryOp op;
  __device__ void operator()(const int64_t (&off)[3]) const {
    out[off[0]] = binary_predicate(op, a[off[1]], b[off[2]]);
  }
};

template <class T>
void run_binary(BinaryOp op, const View& out, const View& a, const View& b) {
  const View* views[3] = {&out, &a, &b};
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  if (is_comparison(op) || is_logical(op)) {
    launch_elementwise(views, PredicateF<T>{static_cast<bool*>(out.data), pa, pb, op});
    return;
  }
  if constexpr (std::is_same<T, bool>::value) {
    NABLA_CHECK(false, binary_op_name(op), "arithmetic on bool tensors is computed in int64 (convert first)");
  } else {
    launch_elementwise(views, ArithF<T>{static_cast<T*>(out.data), pa, pb, op});
  }
}

// ---- where, copy, fill -----------------------------------------------------------
template <class T>
struct WhereF {
  T* out;
  const bool* cond;
  const T* a;
  const T* b;
  __device__ void operator()(const int64_t (&off)[4]) const { out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]]; }
};

template <class To, class From>
struct CopyF {
  To* out;
  const From* in;
  __device__ void operator()(const int64_t (&off)[2]) const { out[off[0]] = static_cast<To>(in[off[1]]); }
};

template <class To>
void copy_to(const View& out, const View& in) {
  const View* views[2] = {&out, &in};
  To* o = static_cast<To*>(out.data);
  NABLA_DISPATCH_ALL(in.dtype, From, launch_elementwise(views, CopyF<To, From>{o, static_cast<const From*>(in.data)}));
}

template <class T>
struct FillF {
  T* out;
  T value;
  __device__ void operator()(const int64_t (&off)[1]) const { out[off[0]] = value; }
};

}  // namespace

void unary(UnaryOp op, const View& out, const View& in) {
  rt::check_same_device(unary_op_name(op), out, in);
  rt::DeviceGuard guard(out.device.index);
  switch (in.dtype) {
    case DType::Float32:
      NABLA_CHECK(op != UnaryOp::LogicalNot, unary_op_name(op), "not defined for float32");
      run_unary<float>(op, out, in);
      return;
    case DType::Float64:
      NABLA_CHECK(op != UnaryOp::LogicalNot, unary_op_name(op), "not defined for float64");
      run_unary<double>(op, out, in);
      return;
    case DType::Int64:
      NABLA_CHECK(op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Sign || op == UnaryOp::Square ||
                      op == UnaryOp::Relu,
                  unary_op_name(op), "not defined for int64 (convert with astype first)");
      run_unary<int64_t>(op, out, in);
      return;
    case DType::Bool:
      NABLA_CHECK(op == UnaryOp::LogicalNot, unary_op_name(op), "not defined for bool");
      run_unary<bool>(op, out, in);
      return;
  }
}

void binary(BinaryOp op, const View& out, const View& a, const View& b) {
  rt::check_same_device(binary_op_name(op), out, a);
  rt::check_same_device(binary_op_name(op), out, b);
  rt::DeviceGuard guard(out.device.index);
  NABLA_DISPATCH_ALL(a.dtype, T, run_binary<T>(op, out, a, b));
}

void unary_dense(UnaryOp op, DType dtype, Device device, void* out, const void* in, int64_t n) {
  const int64_t shape[1] = {n}, unit[1] = {1};
  cuda::unary(op, View{out, dtype, device, 1, shape, unit}, View{const_cast<void*>(in), dtype, device, 1, shape, unit});
}

void binary_dense(BinaryOp op, DType dtype, Device device, void* out, const void* a, int64_t a_step, const void* b,
                  int64_t b_step, int64_t n) {
  const int64_t shape[1] = {n}, unit[1] = {1}, a_stride[1] = {a_step}, b_stride[1] = {b_step};
  cuda::binary(op, View{out, dtype, device, 1, shape, unit},
               View{const_cast<void*>(a), dtype, device, 1, shape, a_stride},
               View{const_cast<void*>(b), dtype, device, 1, shape, b_stride});
}

// acc += a·b (the CPU twin: cpu/elementwise.cpp).
namespace {
template <class T>
__global__ void add_product_kernel(T* acc, const T* a, const T* b, int64_t n) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    acc[i] += a[i] * b[i];
}
}  // namespace

void add_product_dense(DType dtype, Device device, void* acc, const void* a, const void* b, int64_t n) {
  if (n == 0) return;
  rt::DeviceGuard guard(device.index);
  NABLA_DISPATCH_FLOAT(dtype, T, "add_product",
                       add_product_kernel<T><<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(
                           static_cast<T*>(acc), static_cast<const T*>(a), static_cast<const T*>(b), n));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

void where(const View& out, const View& cond, const View& a, const View& b) {
  rt::check_same_device("where", out, cond);
  rt::check_same_device("where", out, a);
  rt::check_same_device("where", out, b);
  rt::DeviceGuard guard(out.device.index);
  const View* views[4] = {&out, &cond, &a, &b};
  NABLA_DISPATCH_ALL(
      out.dtype, T,
      launch_elementwise(views, WhereF<T>{static_cast<T*>(out.data), static_cast<const bool*>(cond.data),
                                          static_cast<const T*>(a.data), static_cast<const T*>(b.data)}));
}

void copy(const View& out, const View& in) {
  if (out.device != in.device) {
    rt::copy_across_devices(out, in);
    return;
  }
  rt::DeviceGuard guard(out.device.index);
  NABLA_DISPATCH_ALL(out.dtype, T, copy_to<T>(out, in));
}

void fill(const View& out, double value) {
  rt::DeviceGuard guard(out.device.index);
  const View* views[1] = {&out};
  NABLA_DISPATCH_ALL(out.dtype, T,
                     launch_elementwise(views, FillF<T>{static_cast<T*>(out.data), static_cast<T>(value)}));
}

}  // namespace nabla::kernels::cuda
