#include "transformer.h"

#include "../autograd/ops/arithmetic.h"

namespace nabla::nn {

namespace {
functional::Activation encoder_activation(const std::string& name) {
  NABLA_CHECK(name == "relu" || name == "gelu", "TransformerEncoderLayer",
              "activation must be \"relu\" or \"gelu\", got \"", name, "\"");
  return name == "relu" ? functional::Activation::ReLU : functional::Activation::GELU;
}
}  // namespace

TransformerEncoderLayer::TransformerEncoderLayer(int64_t d_model, int64_t nhead, int64_t dim_feedforward,
                                                 double dropout_p, const std::string& activation_name,
                                                 double layer_norm_eps, bool batch_first, bool norm_first_)
    : Module("TransformerEncoderLayer"), norm_first(norm_first_), activation(encoder_activation(activation_name)) {
  // Registration order is PyTorch's, so the state_dict lists the same names.
  self_attn =
      register_module("self_attn", std::make_shared<MultiheadAttention>(d_model, nhead, dropout_p, true, batch_first));
  linear1 = register_module("linear1", std::make_shared<Linear>(d_model, dim_feedforward));
  dropout = register_module("dropout", std::make_shared<Dropout>(dropout_p));
  linear2 = register_module("linear2", std::make_shared<Linear>(dim_feedforward, d_model));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(Shape{d_model}, layer_norm_eps));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(Shape{d_model}, layer_norm_eps));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(dropout_p));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(dropout_p));
}

Tensor TransformerEncoderLayer::forward(const Tensor& src) { return forward(src, Tensor()); }

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask,
                                        bool is_causal) {
  Tensor x = src;
  if (norm_first) {
    x = x + self_attention_block(norm1->forward(x), src_mask, src_key_padding_mask, is_causal);
    x = x + feed_forward_block(norm2->forward(x));
  } else {
    x = norm1->forward(x + self_attention_block(x, src_mask, src_key_padding_mask, is_causal));
    x = norm2->forward(x + feed_forward_block(x));
  }
  return x;
}

Tensor TransformerEncoderLayer::self_attention_block(const Tensor& x, const Tensor& mask, const Tensor& padding,
                                                     bool is_causal) {
  Tensor attended = self_attn->forward(x, x, x, padding, /*need_weights=*/false, mask, true, is_causal).output;
  return dropout1->forward(attended);
}

Tensor TransformerEncoderLayer::feed_forward_block(const Tensor& x) {
  Tensor hidden = functional::apply_activation(linear1->forward(x), activation);
  return dropout2->forward(linear2->forward(dropout->forward(hidden)));
}

}  // namespace nabla::nn
