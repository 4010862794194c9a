// Pooling, with PyTorch's semantics, argument names and defaults. Every
// plane (one channel of one image) is pooled on its own:
// x [N, C, H, W] (or [C, H, W]) -> y [N, C, OH, OW].
//
// max_pool2d: y = the max over the window
//   rows oh·sh - ph + a·dh (a < KH), columns ow·sw - pw + b·dw (b < KW),
// padding never wins (it acts as -inf); NaN does; ties keep the first.
//   OH = floor((H + 2·ph - dh·(KH - 1) - 1) / sh) + 1       (ceil with ceil_mode,
//        minus one if that last window would start in the right padding)
// Needs padding <= kernel / 2. Backward: dy goes to the argmax of each
// window (int64 indices ih·W + iw saved by the forward) and adds up where
// windows overlap (the recorded op max_pool2d_backward, whose own gradient
// gathers at the same indices, so double backward works).
// max_pool2d_with_indices also returns those indices (return_indices=True).
// A window entirely in the padding (possible only when dilation spans the
// whole input) gives -inf, index -1 and no gradient.
//
// avg_pool2d: y = sum over the window (no dilation) / divisor, the divisor
// being the window size clipped to the padded input (count_include_pad) or
// to the input itself (count_include_pad = false). Linear in x: its
// gradient is its adjoint (each dy / divisor spread over its window), whose
// own gradient is avg_pool2d again.
//
// adaptive_avg_pool2d: OH x OW windows that tile the input,
//   rows [floor(oh·H/OH), ceil((oh+1)·H/OH)), columns alike, each averaged.
//
// stride = 0 (the default) means stride = kernel_size, as PyTorch's None.
// max_pool1d / avg_pool1d: the same on x [N, C, L] (or [C, L]), as 2-D
// pooling of [N, C, 1, L].
#pragma once
#include <utility>

#include "../../tensor/tensor.h"
#include "int2.h"

namespace nabla::nn::functional {

Tensor max_pool2d(const Tensor& input, Int2 kernel_size, Int2 stride = 0, Int2 padding = 0, Int2 dilation = 1,
                  bool ceil_mode = false);
// (values, int64 indices into each H·W plane).
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Int2 kernel_size, Int2 stride = 0,
                                                  Int2 padding = 0, Int2 dilation = 1, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& input, Int2 kernel_size, Int2 stride = 0, Int2 padding = 0, bool ceil_mode = false,
                  bool count_include_pad = true);
Tensor adaptive_avg_pool2d(const Tensor& input, Int2 output_size);

Tensor max_pool1d(const Tensor& input, int64_t kernel_size, int64_t stride = 0, int64_t padding = 0,
                  int64_t dilation = 1, bool ceil_mode = false);
Tensor avg_pool1d(const Tensor& input, int64_t kernel_size, int64_t stride = 0, int64_t padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);

}  // namespace nabla::nn::functional
