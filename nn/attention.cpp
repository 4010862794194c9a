#include "attention.h"

#include <limits>

#include "../autograd/ops/arithmetic.h"
#include "../autograd/ops/compare.h"
#include "../autograd/ops/join.h"
#include "../autograd/ops/matmul.h"
#include "../autograd/ops/reduce.h"
#include "../autograd/ops/view.h"
#include "../tensor/creation.h"
#include "functional/attention.h"
#include "functional/linear.h"
#include "init.h"

namespace nabla::nn {

namespace {

const char* kOp = "MultiheadAttention.forward";

// A bool mask (true = blocked) as an additive one: -inf where blocked, 0
// elsewhere; a float mask is added as it is (in the scores' dtype).
Tensor additive(const Tensor& mask, DType dtype) {
  NABLA_CHECK(mask.dtype() == kBool || is_floating(mask.dtype()), kOp, "masks must be bool or floating, got ",
              dtype_name(mask.dtype()));
  if (mask.dtype() != kBool) return mask.to(dtype);
  return masked_fill(zeros(mask.shape(), TensorOptions(dtype, mask.device())), mask,
                     -std::numeric_limits<double>::infinity());
}

// PyTorch's two masks merged into one additive mask that broadcasts over
// the scores [N, heads, L, S] (undefined when there is neither).
Tensor merged_mask(const Tensor& attn_mask, const Tensor& key_padding_mask, int64_t batch, int64_t heads,
                   int64_t query_length, int64_t key_length, DType dtype) {
  Tensor mask;
  if (attn_mask.defined()) {
    const Shape shape2{query_length, key_length}, shape3{batch * heads, query_length, key_length};
    NABLA_CHECK(attn_mask.shape() == shape2 || attn_mask.shape() == shape3, kOp, "attn_mask must be ",
                shape_str(shape2), " or ", shape_str(shape3), " (batch * num_heads, L, S), got ",
                shape_str(attn_mask.shape()));
    mask = additive(attn_mask, dtype);
    if (mask.ndim() == 3) mask = mask.reshape({batch, heads, query_length, key_length});
  }
  if (key_padding_mask.defined()) {
    NABLA_CHECK(key_padding_mask.shape() == (Shape{batch, key_length}), kOp, "key_padding_mask must be ",
                shape_str(Shape{batch, key_length}), " (batch, S), got ", shape_str(key_padding_mask.shape()));
    Tensor padding = additive(key_padding_mask, dtype).reshape({batch, 1, 1, key_length});
    mask = mask.defined() ? mask + padding : padding;
  }
  return mask;
}

}  // namespace

MultiheadAttention::MultiheadAttention(int64_t embed_dim_, int64_t num_heads_, double dropout_, bool bias,
                                       bool batch_first_)
    : Module("MultiheadAttention"),
      embed_dim(embed_dim_),
      num_heads(num_heads_),
      head_dim(num_heads_ > 0 ? embed_dim_ / num_heads_ : 0),
      dropout(dropout_),
      batch_first(batch_first_) {
  NABLA_CHECK(embed_dim > 0 && num_heads > 0 && head_dim * num_heads == embed_dim, "MultiheadAttention", "embed_dim (",
              embed_dim, ") must be a positive multiple of num_heads (", num_heads, ")");
  NABLA_CHECK(dropout >= 0.0 && dropout <= 1.0, "MultiheadAttention", "dropout must be in [0, 1], got ", dropout);
  // Registration order is PyTorch's: in_proj_weight, in_proj_bias, out_proj.
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * embed_dim, embed_dim}));
  init::xavier_uniform_(in_proj_weight);
  if (bias) in_proj_bias = register_parameter("in_proj_bias", zeros({3 * embed_dim}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(embed_dim, embed_dim, bias));
  if (bias) init::zeros_(out_proj->bias);
}

Tensor MultiheadAttention::forward(const Tensor& x) { return forward(x, x, x, Tensor(), false).output; }

AttentionResult MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                            const Tensor& key_padding_mask, bool need_weights, const Tensor& attn_mask,
                                            bool average_attn_weights, bool is_causal) {
  NABLA_CHECK(query.defined() && key.defined() && value.defined(), kOp, "query, key and value must be defined");
  NABLA_CHECK(query.ndim() == 3 || query.ndim() == 2, kOp, "query must be 3-D (",
              batch_first ? "[N, L, E]" : "[L, N, E]", ") or 2-D unbatched [L, E], got shape ",
              shape_str(query.shape()));
  NABLA_CHECK(key.ndim() == query.ndim() && key.shape() == value.shape(), kOp,
              "key and value must have one shape with ", query.ndim(), " dims like query, got key ",
              shape_str(key.shape()), ", value ", shape_str(value.shape()));
  NABLA_CHECK(query.size(-1) == embed_dim && key.size(-1) == embed_dim, kOp,
              "query and key must end in embed_dim = ", embed_dim, ", got ", shape_str(query.shape()), " and ",
              shape_str(key.shape()));
  NABLA_CHECK(query.dtype() == in_proj_weight.dtype(), kOp, "query of dtype ", dtype_name(query.dtype()),
              " does not match the parameters' dtype ", dtype_name(in_proj_weight.dtype()));

  // Work in [N, L, E]: an unbatched input gets a batch of one.
  const bool batched = query.ndim() == 3;
  auto batch_major = [&](const Tensor& t) { return !batched ? unsqueeze(t, 0) : batch_first ? t : transpose(t, 0, 1); };
  const Tensor q_in = batch_major(query), k_in = batch_major(key), v_in = batch_major(value);
  const int64_t batch = q_in.size(0), query_length = q_in.size(1), key_length = k_in.size(1);
  NABLA_CHECK(k_in.size(0) == batch, kOp, "query and key have different batch sizes: ", shape_str(query.shape()),
              " and ", shape_str(key.shape()));

  // In-projection: one matmul for self-attention, else one per input.
  Tensor q, k, v;
  if (query.is_same(key) && key.is_same(value)) {
    std::vector<Tensor> qkv = chunk(functional::linear(q_in, in_proj_weight, in_proj_bias), 3, -1);
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    std::vector<Tensor> w = chunk(in_proj_weight, 3, 0);
    std::vector<Tensor> b = in_proj_bias.defined() ? chunk(in_proj_bias, 3, 0) : std::vector<Tensor>(3);
    q = functional::linear(q_in, w[0], b[0]);
    k = functional::linear(k_in, w[1], b[1]);
    v = functional::linear(v_in, w[2], b[2]);
  }
  // [N, L, E] -> [N, heads, L, head_dim]
  auto split_heads = [&](const Tensor& t) {
    return transpose(t.reshape({batch, t.size(1), num_heads, head_dim}), 1, 2);
  };
  q = split_heads(q), k = split_heads(k), v = split_heads(v);

  const Tensor padding = key_padding_mask.defined() && !batched ? unsqueeze(key_padding_mask, 0) : key_padding_mask;
  const Tensor mask = merged_mask(attn_mask, padding, batch, num_heads, query_length, key_length, q.dtype());
  Tensor weights = functional::attention_weights(q, k, mask, is_training() ? dropout : 0.0, is_causal);
  // [N, heads, L, head_dim] -> [N, L, E] -> out_proj
  Tensor out = out_proj->forward(transpose(matmul(weights, v), 1, 2).reshape({batch, query_length, embed_dim}));

  AttentionResult result;
  result.output = !batched ? squeeze(out, 0) : batch_first ? out : transpose(out, 0, 1);
  if (need_weights) {
    result.weights = average_attn_weights ? mean(weights, {1}) : weights;
    if (!batched) result.weights = squeeze(result.weights, 0);
  }
  return result;
}

std::string MultiheadAttention::extra_repr() const {
  std::string s = "embed_dim=" + std::to_string(embed_dim) + ", num_heads=" + std::to_string(num_heads);
  if (batch_first) s += ", batch_first=True";
  return s;
}

}  // namespace nabla::nn
