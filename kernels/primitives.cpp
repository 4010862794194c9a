#include "primitives.h"

namespace nabla::kernels {

const char* unary_op_name(UnaryOp op) {
  static const char* names[] = {"neg",     "abs",   "sign", "reciprocal", "square", "exp",   "expm1",
                                "log",     "log1p", "sqrt", "rsqrt",      "sin",    "cos",   "tanh",
                                "sigmoid", "erf",   "relu", "floor",      "ceil",   "round", "logical_not"};
  static_assert(sizeof(names) / sizeof(names[0]) == kNumUnaryOps, "one name per UnaryOp");
  return names[static_cast<int>(op)];
}

const char* binary_op_name(BinaryOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum",     "minimum",    "where_positive", "eq",
                                "ne",  "lt",  "le",  "gt",  "ge",  "logical_and", "logical_or", "logical_xor"};
  static_assert(sizeof(names) / sizeof(names[0]) == kNumBinaryOps, "one name per BinaryOp");
  return names[static_cast<int>(op)];
}

}  // namespace nabla::kernels
