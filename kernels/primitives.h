// Every kernel-backed primitive, in one screen (STYLE.md habit 4).
// Everything else in nabla is composed from these: gelu, softplus, log_softmax,
// var, ... are written with differentiable ops and need no kernel of their own.
// A backend (kernels/cpu, kernels/cuda) implements each entry.
#pragma once

namespace nabla::kernels {

// y = f(x), elementwise. `alpha` is unused by all but noted ops.
enum class UnaryOp {
  Neg,
  Abs,
  Sign,
  Reciprocal,
  Square,
  Exp,
  Expm1,
  Log,
  Log1p,
  Sqrt,
  Rsqrt,
  Sin,
  Cos,
  Tanh,
  Sigmoid,
  Erf,
  Relu,
  Floor,
  Ceil,
  Round,
  LogicalNot,  // bool -> bool
  kCount
};

// z = f(a, b), elementwise with broadcasting.
enum class BinaryOp {
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Maximum,
  Minimum,
  WherePositive,  // a if b > 0 else 0: relu's backward, kept primitive for speed
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,  // -> bool
  LogicalAnd,
  LogicalOr,
  LogicalXor,  // bool, bool -> bool
  kCount
};

// Reductions over a set of axes.
enum class ReduceOp { Sum, Prod, Max, Min, Any, All, kCount };

// The rest, one kernel each (kernels/kernels.h): copy (with dtype cast),
// fill, where, argmax/argmin, matmul, random fills, gather, scatter_add,
// index_select, index_add, nonzero, sort.

constexpr int kNumUnaryOps = static_cast<int>(UnaryOp::kCount);
constexpr int kNumBinaryOps = static_cast<int>(BinaryOp::kCount);
static_assert(kNumUnaryOps == 21, "update unary_op_name() and the backends when adding a unary op");
static_assert(kNumBinaryOps == 17, "update binary_op_name() and the backends when adding a binary op");

const char* unary_op_name(UnaryOp op);
const char* binary_op_name(BinaryOp op);

inline bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq && op <= BinaryOp::Ge; }
inline bool is_logical(BinaryOp op) { return op >= BinaryOp::LogicalAnd; }

}  // namespace nabla::kernels
