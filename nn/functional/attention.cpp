#include "attention.h"

#include <cmath>
#include <limits>

#include "../../autograd/ops/activation.h"
#include "../../autograd/ops/arithmetic.h"
#include "../../autograd/ops/compare.h"
#include "../../autograd/ops/matmul.h"
#include "../../autograd/ops/view.h"
#include "../../tensor/creation.h"

namespace nabla::nn::functional {

Tensor causal_mask(int64_t query_length, int64_t key_length, Device device) {
  Tensor rows = arange(static_cast<double>(query_length), TensorOptions(kInt64, device)).reshape({query_length, 1});
  Tensor cols = arange(static_cast<double>(key_length), TensorOptions(kInt64, device)).reshape({1, key_length});
  return gt(cols, rows);
}

Tensor attention_weights(const Tensor& query, const Tensor& key, const Tensor& attn_mask, double dropout_p,
                         bool is_causal, Generator& gen) {
  const char* op = "scaled_dot_product_attention";
  NABLA_CHECK(query.defined() && key.defined(), op, "query and key must be defined");
  NABLA_CHECK(query.ndim() >= 2 && key.ndim() >= 2, op,
              "query [..., L, E] and key [..., S, E] need at least 2 dims, got ", shape_str(query.shape()), " and ",
              shape_str(key.shape()));
  NABLA_CHECK(query.shape().back() == key.shape().back(), op, "query ", shape_str(query.shape()), " and key ",
              shape_str(key.shape()), " must have the same last dim E");
  NABLA_CHECK(is_floating(query.dtype()), op, "query must be floating point, got ", dtype_name(query.dtype()));
  NABLA_CHECK(dropout_p >= 0.0 && dropout_p <= 1.0, op, "dropout_p must be in [0, 1], got ", dropout_p);
  const int64_t head_dim = query.shape().back();
  const double minus_inf = -std::numeric_limits<double>::infinity();

  // Scaling q (L·E values) before the product, not the scores (L·S values).
  Tensor scores = matmul(query * (1.0 / std::sqrt(static_cast<double>(head_dim))), transpose(key, -2, -1));
  if (attn_mask.defined()) {
    if (attn_mask.dtype() == kBool)
      scores = masked_fill(scores, logical_not(attn_mask), minus_inf);
    else
      scores = scores + attn_mask;
  }
  if (is_causal) scores = masked_fill(scores, causal_mask(query.size(-2), key.size(-2), query.device()), minus_inf);
  Tensor weights = softmax(scores, -1);
  if (dropout_p > 0.0) weights = dropout(weights, dropout_p, true, gen);
  return weights;
}

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal, Generator& gen) {
  NABLA_CHECK(value.defined() && value.ndim() >= 2, "scaled_dot_product_attention",
              "value [..., S, Ev] needs at least 2 dims");
  NABLA_CHECK(key.defined() && value.size(-2) == key.size(-2), "scaled_dot_product_attention", "key ",
              shape_str(key.shape()), " and value ", shape_str(value.shape()), " must have the same length S");
  return matmul(attention_weights(query, key, attn_mask, dropout_p, is_causal, gen), value);
}

}  // namespace nabla::nn::functional
