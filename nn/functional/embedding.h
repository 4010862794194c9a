// Embedding lookup as a function (torch.nn.functional.embedding).
//
//   embedding(input, weight)[i...] = weight[input[i...]]
//
//   input   int64 indices of any shape, each in [0, num_embeddings)
//   weight  [num_embeddings, embedding_dim]
//   result  input.shape + [embedding_dim]
//
// The lookup is index_select on the flattened indices, so the gradient is
// index_select's: dweight[k] = sum of dy over the positions where input == k.
// With padding_idx (negative counts from the end), positions holding that
// index still read their row but send it no gradient: the padding row is
// never trained (PyTorch's rule).
#pragma once
#include <optional>

#include "../../tensor/tensor.h"

namespace nabla::nn::functional {

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace nabla::nn::functional
