// Normalization layers as functions (torch.nn.functional semantics).
// Each one standardises x over some axes, then applies an optional
// per-feature affine map:
//
//   y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias
//
// with the biased variance Var[x] = E[(x - E[x])²]. They differ only in the
// axes the statistics are taken over:
//
//   batch_norm   x [N, C, *]: per channel, over the batch and every spatial
//                position (axes 0, 2, 3, ...); weight, bias [C].
//                training: batch statistics; running_mean/running_var (if
//                given) are updated IN PLACE, without autograd:
//                  running = (1 - momentum) running + momentum batch_stat
//                  (running_var takes the UNBIASED batch variance, n/(n-1)
//                  Var, as PyTorch). Eval: the running statistics are used.
//   layer_norm   over the trailing dims given by normalized_shape (x's
//                shape must end with it); weight, bias of normalized_shape.
//   group_norm   x [N, C, *]: the C channels split into num_groups groups;
//                per sample and group, over the group's channels and every
//                spatial position; weight, bias [C].
//
// All are compositions of differentiable ops (mean, sub, mul, rsqrt...), so
// their gradients (and second derivatives) come for free. weight and bias
// may be undefined tensors (no affine map).
#pragma once

#include "../../tensor/tensor.h"

namespace nabla::nn::functional {

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  double eps = 1e-5);

}  // namespace nabla::nn::functional
