// Forward-only building blocks the differentiable ops are written with:
// type promotion, broadcasting, device checks, and the kernel call.
// They record nothing; autograd::record() in each op does that.
// (Internal header: not installed with the public API.)
#pragma once
#include "../../kernels/primitives.h"
#include "../../tensor/tensor.h"

namespace nabla::detail {

// y = op(x); floating ops on integer/bool input compute in float32.
Tensor unary_forward(kernels::UnaryOp op, const Tensor& x);
// z = op(a, b) with NumPy broadcasting and type promotion.
Tensor binary_forward(kernels::BinaryOp op, const Tensor& a, const Tensor& b);
// The same with a handed over: when nothing else can see a's buffer (this is
// its only handle, no view shares its storage, it carries no autograd state)
// and z has a's shape, dtype and layout, z is written over a and returned in
// its place - no allocation. NumPy elides its temporaries the same way.
// Only for ops that will not save a for backward (see mul's rvalue overload).
Tensor binary_forward(kernels::BinaryOp op, Tensor&& a, const Tensor& b);
// z = op(a, s) or, with scalar_first, op(s, a); the scalar is "weak" (dtype.h).
Tensor scalar_forward(kernels::BinaryOp op, const Tensor& a, double s, bool scalar_first = false);
// Reduction over `axes` (empty = all), keepdims shape.
Tensor reduce_forward(kernels::ReduceOp op, const Tensor& x, const Shape& axes);

// Throws naming `op` and both devices unless a and b share a device.
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_defined(const char* op, const Tensor& t);

// Normalises a list of axes (negative allowed; empty = all) into a sorted,
// duplicate-free list; throws naming `op`.
Shape normalize_axes(const Shape& axes, int64_t ndim, const char* op);
// The shape after reducing `axes` (sorted), with or without keepdims.
Shape reduced_shape(const Shape& shape, const Shape& axes, bool keepdims);

}  // namespace nabla::detail
