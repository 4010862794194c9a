// Convolutions, with PyTorch's semantics, argument names and defaults.
//
// conv2d: x [N, C_in, H, W], w [C_out, C_in/groups, KH, KW], b [C_out] or
// undefined (no bias), y [N, C_out, OH, OW] with
//   y[n, o, oh, ow] = b[o] + Σ_{c, i, j} w[o, c, i, j] · x[n, g·C_in/groups + c, oh·sh - ph + i·dh, ow·sw - pw + j·dw]
//   OH = floor((H + 2·ph - dh·(KH - 1) - 1) / sh) + 1          (OW alike)
// where g = o / (C_out/groups) is o's group and x reads 0 outside the image
// ("zeros" padding). A cross-correlation, as in every DL library.
//
// conv_transpose2d: x [N, C_in, H, W], w [C_in, C_out/groups, KH, KW], b [C_out],
// y [N, C_out, OH, OW] with
//   OH = (H - 1)·sh - 2·ph + dh·(KH - 1) + output_padding_h + 1
// It is the adjoint (transpose) of conv2d with the same w seen as a conv2d
// weight [C_in, C_out/groups, KH, KW] from C_out to C_in channels: every
// input pixel scatters w-weighted copies of itself onto the output. So it
// is conv2d's input gradient, and conv2d is its input gradient.
// output_padding (< stride or < dilation) picks among the OH that stride
// maps to the same H.
//
// conv2d_weight (torch.nn.grad.conv2d_weight): the gradient in w of
// Σ dy · conv2d(x, w), i.e. dw[o, c, i, j] = Σ_{n, oh, ow} dy[n, o, oh, ow] · x[n, .., ..]
// at the positions above. It is bilinear in (x, dy).
//
// The three are one family of bilinear maps, each the others' gradients:
//   y = conv2d(x, w):             dx = conv_transpose2d(dy, w), dw = conv2d_weight(x, dy)
//   x' = conv_transpose2d(y, w):  dy = conv2d(dx', w),          dw = conv2d_weight(dx', y)
//   w' = conv2d_weight(x, dy):    dx = conv_transpose2d(dy, dw'), d(dy) = conv2d(x, dw')
// with db = dy summed over (N, OH, OW). Because the backward of each is
// written with the others, second derivatives (double backward) work too.
// On the CPU all three run as im2col / col2im plus one GEMM per group and
// image (kernels/cpu/conv.cpp).
//
// conv1d: x [N, C_in, L], w [C_out, C_in/groups, K]: conv2d on [N, C, 1, L].
//
// Unbatched inputs ([C, H, W] for conv2d, [C, L] for conv1d) work as a
// batch of one, as in PyTorch. x, w and b share one floating dtype.
#pragma once
#include "../../tensor/tensor.h"
#include "int2.h"

namespace nabla::nn::functional {

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, int64_t stride = 1,
              int64_t padding = 0, int64_t dilation = 1, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, Int2 stride = 1, Int2 padding = 0,
              Int2 dilation = 1, int64_t groups = 1);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, Int2 stride = 1,
                        Int2 padding = 0, Int2 output_padding = 0, int64_t groups = 1, Int2 dilation = 1);
// weight_size: the shape of the conv2d weight, [C_out, C_in/groups, KH, KW];
// grad_output: [N, C_out, OH, OW] with OH, OW from the conv2d formula.
Tensor conv2d_weight(const Tensor& input, const Shape& weight_size, const Tensor& grad_output, Int2 stride = 1,
                     Int2 padding = 0, Int2 dilation = 1, int64_t groups = 1);

}  // namespace nabla::nn::functional
