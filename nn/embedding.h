// Embedding: a learned lookup table from integer ids (words, tokens,
// categories) to dense vectors.
//
//   y[i...] = weight[input[i...]]        input: int64 of any shape
//                                        y:     input.shape + [embedding_dim]
//
// weight [num_embeddings, embedding_dim] starts as N(0, 1), as PyTorch's.
// With padding_idx, that row starts at zero and never receives a gradient,
// so a padding token keeps mapping to the zero vector while training.
//
//   nn::Embedding emb(10000, 128, /*padding_idx=*/0);
//   Tensor x = emb(token_ids);           // [batch, seq] -> [batch, seq, 128]
#pragma once
#include <optional>
#include <string>

#include "module.h"

namespace nabla::nn {

class Embedding : public Module {
 public:
  // A negative padding_idx counts from the end (it is stored non-negative).
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt);

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "10, 3, padding_idx=0"

  int64_t num_embeddings;
  int64_t embedding_dim;
  std::optional<int64_t> padding_idx;
  Tensor weight;  // [num_embeddings, embedding_dim]
};

}  // namespace nabla::nn
