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
      // normalization (nn/functional/norm.h)
      "batch_norm",
      "layer_norm",
      "group_norm",
      // nn/functional: attention, embedding (attention.h, embedding.h)
      "scaled_dot_product_attention",
      "embedding",
  };
  return ops;
}

}  // namespace nabla
