// Element types and NumPy-style type promotion.
//
// Promotion for binary ops between two tensors follows NumPy's lattice,
// restricted to our four types:  bool < int64 < float32 < float64.
//   bool    + int64   -> int64
//   int64   + float32 -> float32   (NumPy 2 "weak" rule; PyTorch does the same)
//   float32 + float64 -> float64
// A Python-style scalar (a C++ double/int passed to an op) is "weak": it never
// widens a tensor's float type, so float32 * 2.5 stays float32; an integer or
// bool tensor meeting a fractional scalar becomes float32 (PyTorch's default
// float type), and meeting an integral scalar stays integral.
#pragma once
#include <cstdint>
#include <string>

namespace nabla {

enum class DType : uint8_t { Bool, Int64, Float32, Float64 };

constexpr DType kFloat32 = DType::Float32;
constexpr DType kFloat64 = DType::Float64;
constexpr DType kInt64 = DType::Int64;
constexpr DType kBool = DType::Bool;

// Bytes per element: Bool 1, Int64 8, Float32 4, Float64 8. A lookup in
// one constant (4 bits per dtype), not a switch: every op computes data
// pointers with it several times.
inline size_t dtype_size(DType t) {
  const unsigned i = static_cast<unsigned>(t);
  return i < 4 ? (0x8481u >> (4 * i)) & 0xFu : 0;
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool:
      return "bool";
    case DType::Int64:
      return "int64";
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
  }
  return "?";
}

inline bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }

// The common type of two tensors: the larger one on the lattice above.
inline DType promote_types(DType a, DType b) { return a > b ? a : b; }

// The result type of tensor (op) scalar, with the scalar "weak" (see above).
inline DType promote_with_scalar(DType t, double scalar) {
  if (is_floating(t)) return t;
  bool integral = static_cast<double>(static_cast<int64_t>(scalar)) == scalar;
  if (!integral) return DType::Float32;
  return t == DType::Bool ? DType::Int64 : t;
}

// Maps C++ types to dtypes: dtype_of<float>() == Float32.
template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<bool>() {
  return DType::Bool;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::Int64;
}
template <>
constexpr DType dtype_of<float>() {
  return DType::Float32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::Float64;
}

}  // namespace nabla

// NABLA_DISPATCH_ALL(dtype, T, body...) runs the body with the type alias T
// bound to the C++ type of `dtype` (bool, int64_t, float or double).
#define NABLA_DISPATCH_CASE(enum_value, type, T, ...) \
  case enum_value: {                                  \
    using T = type;                                   \
    __VA_ARGS__;                                      \
    break;                                            \
  }
#define NABLA_DISPATCH_ALL(dtype, T, ...)                                \
  switch (dtype) {                                                       \
    NABLA_DISPATCH_CASE(::nabla::DType::Bool, bool, T, __VA_ARGS__)      \
    NABLA_DISPATCH_CASE(::nabla::DType::Int64, int64_t, T, __VA_ARGS__)  \
    NABLA_DISPATCH_CASE(::nabla::DType::Float32, float, T, __VA_ARGS__)  \
    NABLA_DISPATCH_CASE(::nabla::DType::Float64, double, T, __VA_ARGS__) \
  }
// NABLA_DISPATCH_FLOAT(dtype, T, "op", body...): the same for float and
// double only; any other dtype is an Error naming the op.
#define NABLA_DISPATCH_FLOAT(dtype, T, op, ...)                                             \
  switch (dtype) {                                                                          \
    NABLA_DISPATCH_CASE(::nabla::DType::Float32, float, T, __VA_ARGS__)                     \
    NABLA_DISPATCH_CASE(::nabla::DType::Float64, double, T, __VA_ARGS__)                    \
    default:                                                                                \
      NABLA_CHECK(false, op, "needs float32 or float64, got ", ::nabla::dtype_name(dtype)); \
  }
