// TransformerEncoderLayer: PyTorch's nn.TransformerEncoderLayer, one block
// of self-attention and a feed-forward network, each with a residual
// connection and a LayerNorm:
//
//   post-norm (norm_first = false, the original Transformer):
//     x = norm1(x + SA(x))
//     x = norm2(x + FF(x))
//   pre-norm (norm_first = true, steadier for deep stacks):
//     x = x + SA(norm1(x))
//     x = x + FF(norm2(x))
//
//   SA(x) = dropout1(self_attn(x, x, x, masks))
//   FF(x) = dropout2(linear2(dropout(activation(linear1(x)))))
//
// Children, by PyTorch's names (so a PyTorch state_dict loads by name):
//   self_attn (MultiheadAttention d_model, nhead), linear1 (d_model ->
//   dim_feedforward), dropout, linear2 (dim_feedforward -> d_model), norm1,
//   norm2 (LayerNorm d_model), dropout1, dropout2.
//
// Shapes: src [S, N, d_model] ([N, S, d_model] with batch_first, [S,
// d_model] unbatched); src_mask [S, S] or [N·nhead, S, S] and
// src_key_padding_mask [N, S], with MultiheadAttention's meaning (bool: true
// = blocked; float: added to the scores); is_causal: each position attends
// only to itself and earlier ones. activation: "relu" or "gelu" (exact).
//
//   nn::TransformerEncoderLayer layer(512, 8);
//   Tensor y = layer(src);
#pragma once
#include <memory>
#include <string>

#include "activation.h"
#include "attention.h"
#include "functional/linear.h"
#include "layernorm.h"
#include "linear.h"
#include "module.h"

namespace nabla::nn {

class TransformerEncoderLayer : public Module {
 public:
  TransformerEncoderLayer(int64_t d_model, int64_t nhead, int64_t dim_feedforward = 2048, double dropout = 0.1,
                          const std::string& activation = "relu", double layer_norm_eps = 1e-5,
                          bool batch_first = false, bool norm_first = false);

  Tensor forward(const Tensor& src) override;  // no masks
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = Tensor(),
                 bool is_causal = false);

  std::shared_ptr<MultiheadAttention> self_attn;
  std::shared_ptr<Linear> linear1;
  std::shared_ptr<Dropout> dropout;
  std::shared_ptr<Linear> linear2;
  std::shared_ptr<LayerNorm> norm1, norm2;
  std::shared_ptr<Dropout> dropout1, dropout2;
  bool norm_first;
  functional::Activation activation;  // ReLU or GELU

 private:
  Tensor self_attention_block(const Tensor& x, const Tensor& mask, const Tensor& padding, bool is_causal);
  Tensor feed_forward_block(const Tensor& x);
};

}  // namespace nabla::nn
