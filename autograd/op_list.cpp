#include "op_list.h"

namespace nabla {

const std::vector<std::string>& differentiable_ops() {
  static const std::vector<std::string> ops = {
      // arithmetic (autograd/ops/arithmetic.h)
      "add",
      "sub",
      "mul",
      "div",
      "neg",
      "pow",
      "pow_scalar",
      "maximum",
      "minimum",
      // elementwise math (unary.h)
      "exp",
      "log",
      "log1p",
      "expm1",
      "sqrt",
      "rsqrt",
      "abs",
      "sin",
      "cos",
      "tanh",
      "sigmoid",
      "erf",
      // activations (activation.h)
      "relu",
      "leaky_relu",
      "elu",
      "gelu",
      "gelu_tanh",
      "silu",
      "softplus",
      "softmax",
      "log_softmax",
      "dropout",
      // selection (compare.h)
      "clamp",
      "where",
      "masked_fill",
      // reductions (reduce.h)
      "sum",
      "mean",
      "var",
      "std",
      "max",
      "min",
      "logsumexp",
      "prod",
      // products (matmul.h)
      "matmul",
      // views (view.h)
      "reshape",
      "view",
      "flatten",
      "transpose",
      "permute",
      "squeeze",
      "unsqueeze",
      "expand",
      "narrow",
      "select",
      "slice",
      "contiguous",
      "clone",
      "astype",
      // indexing (indexing.h)
      "index",
      "gather",
      "scatter_add",
      "index_select",
      "index_add",
      "masked_select",
      "topk",
      "sort",
      // joining (join.h)
      "cat",
      "stack",
      "split",
      "chunk",
      "pad",
      // nn/functional: linear (linear.h)
      "linear",
      // losses (nn/functional/loss.h)
      "mse_loss",
      "l1_loss",
      "smooth_l1_loss",
      "huber_loss",
      "cross_entropy",
      "nll_loss",
      "binary_cross_entropy",
      "binary_cross_entropy_with_logits",
      "kl_div",
      "margin_ranking_loss",
      // normalization (nn/functional/norm.h)
      "batch_norm",
      "layer_norm",
      "group_norm",
      // convolution (nn/functional/conv.h)
      "conv1d",
      "conv2d",
      "conv_transpose2d",
      "conv2d_weight",
      // pooling (nn/functional/pool.h); max_pool2d_backward and
      // avg_pool2d_backward are the recorded backwards of the max and
      // average pools, checked through their second derivatives
      "max_pool1d",
      "max_pool2d",
      "max_pool2d_backward",
      "avg_pool1d",
      "avg_pool2d",
      "avg_pool2d_backward",
      "adaptive_avg_pool2d",
      // nn/functional: attention, embedding (attention.h, embedding.h)
      "scaled_dot_product_attention",
      "embedding",
  };
  return ops;
}

}  // namespace nabla
