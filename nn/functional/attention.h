// Scaled dot-product attention as a function
// (torch.nn.functional.scaled_dot_product_attention, PyTorch 2.0 semantics).
//
//   weights = softmax(q kᵀ / √E + mask)        [..., L, S]
//   output  = dropout(weights) v               [..., L, Ev]
//
//   q [..., L, E], k [..., S, E], v [..., S, Ev]; the leading (batch, head)
//   dims broadcast as in matmul.
//   attn_mask (optional), broadcastable to [..., L, S]:
//     bool:  true = this query MAY attend to this key (false -> -inf)
//     float: added to the scores (use -inf to block a pair)
//   is_causal: query i attends only to keys j <= i (the top-left aligned
//     lower triangle of an L x S matrix), on top of any attn_mask.
//   dropout_p: dropout of the weights, drawn from `gen`; pass 0 in eval.
//
// A query whose keys are all blocked has no defined softmax: its row is
// NaN, as in PyTorch. Built from matmul, masked_fill and softmax, so the
// gradients (and second derivatives) need no code of their own.
//
// Note the bool mask convention: nn::MultiheadAttention's masks (PyTorch's
// too) use the opposite one, true = blocked.
#pragma once
#include "../../tensor/generator.h"
#include "../../tensor/tensor.h"

namespace nabla::nn::functional {

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = Tensor(), double dropout_p = 0.0, bool is_causal = false,
                                    Generator& gen = default_generator());

// The attention weights alone, dropout included: softmax(q kᵀ / √E + mask)
// [..., L, S]. scaled_dot_product_attention is matmul(this, value);
// MultiheadAttention uses it to return the weights too.
Tensor attention_weights(const Tensor& query, const Tensor& key, const Tensor& attn_mask = Tensor(),
                         double dropout_p = 0.0, bool is_causal = false, Generator& gen = default_generator());

// The [L, S] bool mask that is true where key j comes after query i (j > i):
// the pairs a causal model must not attend to.
Tensor causal_mask(int64_t query_length, int64_t key_length, Device device = Device::cpu());

}  // namespace nabla::nn::functional
