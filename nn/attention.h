// MultiheadAttention: PyTorch's nn.MultiheadAttention, parameters and all.
//
//   Q = query W_qᵀ + b_q,  K = key W_kᵀ + b_k,  V = value W_vᵀ + b_v
//   (W_q, W_k, W_v: the three [E, E] blocks of in_proj_weight, in order)
//   split E into num_heads heads of head_dim = E / num_heads, and per head
//     A    = softmax(Q_h K_hᵀ / √head_dim + mask)      [L, S]
//     O_h  = dropout(A) V_h                             [L, head_dim]
//   output = concat_h(O_h) W_oᵀ + b_o                   (out_proj, a Linear)
//
// Parameters, by PyTorch's state_dict names:
//   in_proj_weight [3E, E]   xavier_uniform_
//   in_proj_bias   [3E]      zeros                 (only with bias)
//   out_proj.weight [E, E]   Linear's default init
//   out_proj.bias  [E]       zeros                 (only with bias)
//
// Shapes (L target length, S source length, N batch, E embed_dim):
//   query [L, N, E], key and value [S, N, E]; [N, L, E] and [N, S, E] with
//   batch_first; unbatched: [L, E] and [S, E].
//   key_padding_mask [N, S] ([S] unbatched): bool, true = this key is
//     padding, ignore it; or float, added to the scores.
//   attn_mask [L, S] or [N·num_heads, L, S]: bool, true = this query may NOT
//     attend to this key; or float, added to the scores.
//   is_causal: query i attends only to keys j <= i (combined with any mask).
//   output like query; weights (when need_weights) [N, L, S] averaged over
//     the heads, or [N, num_heads, L, S] per head; no N when unbatched.
//   Dropout (on the attention weights) only in training mode.
//
// Note: these bool masks mean "blocked" (PyTorch's MultiheadAttention
// convention), the opposite of functional::scaled_dot_product_attention's.
//
//   nn::MultiheadAttention attn(512, 8);
//   nn::AttentionResult r = attn.forward(q, k, v, padding_mask);   // r.output, r.weights
//   Tensor y = attn(x);                                              // self-attention
#pragma once
#include <memory>
#include <string>

#include "linear.h"
#include "module.h"

namespace nabla::nn {

struct AttentionResult {
  Tensor output;
  Tensor weights;  // undefined unless need_weights
};

class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, double dropout = 0.0, bool bias = true,
                     bool batch_first = false);

  // Self-attention without masks: forward(x, x, x).output.
  Tensor forward(const Tensor& x) override;
  // PyTorch's forward, same argument order; is_causal as in PyTorch 2.
  AttentionResult forward(const Tensor& query, const Tensor& key, const Tensor& value,
                          const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                          const Tensor& attn_mask = Tensor(), bool average_attn_weights = true, bool is_causal = false);
  std::string extra_repr() const override;  // "embed_dim=512, num_heads=8"

  int64_t embed_dim;
  int64_t num_heads;
  int64_t head_dim;
  double dropout;
  bool batch_first;
  Tensor in_proj_weight;  // [3E, E]: W_q, W_k, W_v stacked
  Tensor in_proj_bias;    // [3E]; undefined without bias
  std::shared_ptr<Linear> out_proj;
};

}  // namespace nabla::nn
