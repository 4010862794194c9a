// Printing tensors the way NumPy prints arrays (numpy.array_repr).
//
//   std::cout << tensor({{1, 2}, {3, 4}}) << "\n";
//   array([[1., 2.],
//          [3., 4.]], dtype=float32)
//
// The digits, alignment, line wrapping and summarising follow NumPy's
// arrayprint with its default options (floatmode='maxprec', sign='-'):
//   - floats print the shortest digits that identify the value in its own
//     type (float32 or float64), cut to `precision` digits after the point,
//     trailing zeros dropped (1.0 -> "1."), every element padded to a common
//     width so the decimal points line up;
//   - scientific notation when the finite nonzero |x| have max >= 1e8, or
//     min < 1e-4, or max/min > 1e3, comparing exact values as NumPy 1.x does
//     (NumPy 2 compares float32 in float32, which differs only for a min that
//     rounds to float32(1e-4); NumPy 2.3+ also lowers the 1e8 cutoff to 1e6
//     for float32 -- nabla keeps 1e8 for both types);
//   - nan and inf print as `nan`, `inf`, `-inf`; bool as True/False;
//   - more than `threshold` elements: only `edgeitems` at each edge of every
//     axis, with `...` between, and `shape=(...)` before the dtype (NumPy >= 2.2).
// Differences from NumPy, on purpose:
//   - `dtype=` is always printed (NumPy omits it for float64, int64 and bool);
//   - nabla additions after the dtype: `device='cuda:0'` for tensors not on
//     the CPU and `requires_grad=True` for tensors that require grad.
// An undefined tensor prints `Tensor(undefined)`.
#pragma once
#include <cstdint>
#include <string>

#include "tensor.h"

namespace nabla {

// numpy.set_printoptions, restricted to the options nabla uses.
struct PrintOptions {
  int precision = 8;         // digits after the decimal point (mantissa digits in scientific notation)
  int64_t threshold = 1000;  // summarise tensors with more elements than this
  int64_t edgeitems = 3;     // elements kept at each edge of a summarised axis
  int64_t linewidth = 75;    // characters per line before wrapping
};

// The options str() and operator<< use (process-wide, thread-safe).
// set_print_options throws nabla::Error for precision < 0, threshold < 0,
// edgeitems < 1 or linewidth < 1.
void set_print_options(const PrintOptions& options);
PrintOptions get_print_options();

// The repr of `t` with explicit options; Tensor::str() is array_repr(t, get_print_options()).
std::string array_repr(const Tensor& t, const PrintOptions& options);

}  // namespace nabla
