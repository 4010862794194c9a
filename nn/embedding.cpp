#include "embedding.h"

#include "../autograd/grad_mode.h"
#include "../tensor/creation.h"
#include "functional/embedding.h"
#include "init.h"

namespace nabla::nn {

Embedding::Embedding(int64_t num_embeddings_, int64_t embedding_dim_, std::optional<int64_t> padding_idx_)
    : Module("Embedding"), num_embeddings(num_embeddings_), embedding_dim(embedding_dim_), padding_idx(padding_idx_) {
  NABLA_CHECK(num_embeddings > 0 && embedding_dim > 0, "Embedding",
              "num_embeddings and embedding_dim must be positive, got ", num_embeddings, " and ", embedding_dim);
  if (padding_idx) {
    NABLA_CHECK(*padding_idx >= -num_embeddings && *padding_idx < num_embeddings, "Embedding", "padding_idx ",
                *padding_idx, " must be within [", -num_embeddings, ", ", num_embeddings, ")");
    if (*padding_idx < 0) padding_idx = *padding_idx + num_embeddings;
  }
  weight = register_parameter("weight", empty({num_embeddings, embedding_dim}));
  init::normal_(weight);
  if (padding_idx) {
    NoGradGuard no_grad;
    weight.select(0, *padding_idx).fill_(0.0);
  }
}

Tensor Embedding::forward(const Tensor& input) { return functional::embedding(input, weight, padding_idx); }

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s;
}

}  // namespace nabla::nn
