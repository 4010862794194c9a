// Scaled dot-product attention, MultiheadAttention and TransformerEncoderLayer
// against PyTorch 1.13
// (fixtures from tests/data/make_rnn_fixtures.py), plus gradient checks,
// masks and errors.
#include <nabla/nabla.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "helpers.h"
#include "nn/rnn_fixtures.h"

using namespace nabla;
using Catch::Contains;
using nn::functional::scaled_dot_product_attention;
using rnn_fixtures::load;
using rnn_fixtures::load_parameters;
using rnn_fixtures::max_abs_diff;
using rnn_fixtures::require_close;
using rnn_fixtures::require_parameter_grads;
using rnn_fixtures::weighted;

// ---- scaled_dot_product_attention -------------------------------------------------------

TEST_CASE("gradcheck: scaled_dot_product_attention", "[attention][gradcheck]") {
  Tensor q = testing::leaf({2, 3, 4}, 1), k = testing::leaf({2, 5, 4}, 2), v = testing::leaf({2, 5, 3}, 3);
  Tensor keep = tensor({{1, 1, 0, 1, 1}, {1, 0, 1, 1, 0}, {0, 1, 1, 1, 1}}, kBool);  // true = attend
  auto sdpa = [](const Tensor& mask, bool causal) {
    return [mask, causal](const std::vector<Tensor>& in) {
      return scaled_dot_product_attention(in[0], in[1], in[2], mask, 0.0, causal);
    };
  };
  REQUIRE(autograd::gradcheck(sdpa(Tensor(), false), {q, k, v}));
  REQUIRE(autograd::gradgradcheck(sdpa(Tensor(), false), {q, k, v}));
  REQUIRE(autograd::gradcheck(sdpa(keep, false), {q, k, v}));
  REQUIRE(autograd::gradgradcheck(sdpa(keep, true), {q, k, v}));
  // A float mask is differentiable too (it is added to the scores).
  Tensor bias = testing::leaf({3, 5}, 4);
  REQUIRE(autograd::gradcheck(
      [](const std::vector<Tensor>& in) { return scaled_dot_product_attention(in[0], in[1], in[2], in[3]); },
      {q, k, v, bias}));
}

TEST_CASE("scaled_dot_product_attention: formula, masks and causal", "[attention]") {
  Generator g(5);
  Tensor q = randn({2, 3, 4}, g, kFloat64), k = randn({2, 5, 4}, g, kFloat64), v = randn({2, 5, 2}, g, kFloat64);
  // softmax(q kᵀ / √E) v, written out.
  Tensor expected = matmul(softmax(matmul(q, k.transpose(1, 2)) / 2.0, -1), v);
  REQUIRE(max_abs_diff(scaled_dot_product_attention(q, k, v), expected) < 1e-14);

  // bool: true = attend; the same as -inf added where false.
  Tensor keep = tensor({{1, 1, 0, 1, 1}, {1, 0, 1, 1, 0}, {0, 1, 1, 1, 1}}, kBool);
  Tensor additive = where(keep, 0.0, full({3, 5}, -std::numeric_limits<double>::infinity(), kFloat64));
  Tensor with_bool = scaled_dot_product_attention(q, k, v, keep);
  REQUIRE(max_abs_diff(with_bool, scaled_dot_product_attention(q, k, v, additive)) < 1e-14);
  // A blocked key takes no weight: its value does not matter.
  Tensor v2 = v.clone();
  {
    NoGradGuard no_grad;
    v2.select(1, 2).fill_(100.0);  // key 2 is blocked for queries 0 only
  }
  REQUIRE(max_abs_diff(scaled_dot_product_attention(q, k, v2, keep).select(1, 0), with_bool.select(1, 0)) < 1e-14);

  // is_causal: query i sees keys 0..i (top-left aligned, as PyTorch).
  Tensor lower = logical_not(nn::functional::causal_mask(3, 5));
  REQUIRE(equal(lower, tensor({{1, 0, 0, 0, 0}, {1, 1, 0, 0, 0}, {1, 1, 1, 0, 0}}, kBool)));
  REQUIRE(max_abs_diff(scaled_dot_product_attention(q, k, v, Tensor(), 0.0, true),
                       scaled_dot_product_attention(q, k, v, lower)) < 1e-14);
  Tensor w = nn::functional::attention_weights(q, k, Tensor(), 0.0, true);
  REQUIRE(max_abs_diff(sum(w, {-1}), ones({2, 3}, kFloat64)) < 1e-14);
  REQUIRE(max(abs(w.select(1, 0).narrow(1, 1, 4))).item<double>() == 0.0);

  // Dropout on the weights, from the given generator.
  Generator g1(9), g2(9);
  Tensor d1 = scaled_dot_product_attention(q, k, v, Tensor(), 0.5, false, g1);
  Tensor d2 = scaled_dot_product_attention(q, k, v, Tensor(), 0.5, false, g2);
  REQUIRE(equal(d1, d2));
  REQUIRE_FALSE(allclose(d1, scaled_dot_product_attention(q, k, v)));

  REQUIRE_THROWS_WITH(scaled_dot_product_attention(q, randn({2, 5, 3}, g, kFloat64), v),
                      Contains("scaled_dot_product_attention") && Contains("same last dim E"));
  REQUIRE_THROWS_WITH(scaled_dot_product_attention(q, k, randn({2, 4, 2}, g, kFloat64)), Contains("same length S"));
}

// ---- MultiheadAttention against PyTorch ---------------------------------------------------

TEST_CASE("MultiheadAttention: self-attention with key padding and causal masks matches PyTorch", "[attention]") {
  const std::string name = "mha_self_causal";
  nn::MultiheadAttention mha(8, 2);
  load_parameters(mha, name, {"x", "key_padding_mask", "attn_mask", "output", "weights"});
  Tensor x = load(name, "x").requires_grad_();
  Tensor padding = load(name, "key_padding_mask"), causal = load(name, "attn_mask");
  REQUIRE(padding.dtype() == kBool);

  nn::AttentionResult r = mha.forward(x, x, x, padding, true, causal);
  require_close(r.output, name, "output");
  require_close(r.weights, name, "weights");
  (weighted(r.output, name, "output") + weighted(r.weights, name, "weights")).backward();
  require_close(x.grad(), name, "grad.x");
  require_parameter_grads(mha, name);

  // is_causal instead of the explicit mask: the same result.
  nn::AttentionResult c = mha.forward(x, x, x, padding, true, Tensor(), true, /*is_causal=*/true);
  require_close(c.output, name, "output");
  require_close(c.weights, name, "weights");
}

TEST_CASE("MultiheadAttention: cross-attention, batch_first, float mask, per-head weights match PyTorch",
          "[attention]") {
  const std::string name = "mha_cross_bf";
  nn::MultiheadAttention mha(8, 4, 0.0, true, /*batch_first=*/true);
  load_parameters(mha, name, {"query", "key", "value", "attn_mask", "output", "weights"});
  Tensor q = load(name, "query").requires_grad_(), k = load(name, "key").requires_grad_(),
         v = load(name, "value").requires_grad_();

  nn::AttentionResult r = mha.forward(q, k, v, Tensor(), true, load(name, "attn_mask"), /*average=*/false);
  REQUIRE(r.weights.shape() == Shape{3, 4, 4, 6});
  require_close(r.output, name, "output");
  require_close(r.weights, name, "weights");
  (weighted(r.output, name, "output") + weighted(r.weights, name, "weights")).backward();
  require_close(q.grad(), name, "grad.query");
  require_close(k.grad(), name, "grad.key");
  require_close(v.grad(), name, "grad.value");
  require_parameter_grads(mha, name);
}

// ---- MultiheadAttention: parameters, shapes, modes ---------------------------------------

TEST_CASE("MultiheadAttention: PyTorch's parameters and init", "[attention]") {
  nn::MultiheadAttention mha(16, 4);
  std::vector<std::string> names;
  for (const auto& [n, p] : mha.named_parameters()) names.push_back(n);
  REQUIRE(names == std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"});
  REQUIRE(mha.in_proj_weight.shape() == Shape{48, 16});
  REQUIRE(mha.head_dim == 4);
  // xavier_uniform_: U(-b, b), b = √(6 / (16 + 48)); the biases start at zero.
  const double bound = std::sqrt(6.0 / 64.0);
  REQUIRE(max(abs(mha.in_proj_weight)).item<double>() <= bound * (1 + 1e-6));
  REQUIRE(max(abs(mha.in_proj_weight)).item<double>() > 0.9 * bound);
  REQUIRE(max(abs(mha.in_proj_bias)).item<double>() == 0.0);
  REQUIRE(max(abs(mha.out_proj->bias)).item<double>() == 0.0);
  // out_proj.weight keeps Linear's default U(-1/√16, 1/√16).
  REQUIRE(max(abs(mha.out_proj->weight)).item<double>() <= 0.25 * (1 + 1e-6));
  REQUIRE(mha.repr().find("MultiheadAttention(embed_dim=16, num_heads=4") == 0);
  REQUIRE(mha.repr().find("(out_proj): Linear(") != std::string::npos);

  nn::MultiheadAttention no_bias(16, 4, 0.0, false);
  names.clear();
  for (const auto& [n, p] : no_bias.named_parameters()) names.push_back(n);
  REQUIRE(names == std::vector<std::string>{"in_proj_weight", "out_proj.weight"});
  Generator g(2);
  REQUIRE(no_bias(randn({5, 2, 16}, g)).shape() == Shape{5, 2, 16});
}

TEST_CASE("MultiheadAttention: forward(x), unbatched input, need_weights, dropout", "[attention]") {
  nn::MultiheadAttention mha(8, 2, /*dropout=*/0.5);
  mha.to(kFloat64);
  Generator g(6);
  Tensor x = randn({5, 3, 8}, g, kFloat64);
  mha.eval();
  nn::AttentionResult r = mha.forward(x, x, x);
  REQUIRE(r.weights.shape() == Shape{3, 5, 5});
  REQUIRE(equal(mha(x), r.output));
  REQUIRE_FALSE(mha.forward(x, x, x, Tensor(), /*need_weights=*/false).weights.defined());
  // Separate key/value tensors with equal values: the same as self-attention.
  REQUIRE(max_abs_diff(mha.forward(x, x.clone(), x.clone()).output, r.output) < 1e-13);

  // Unbatched [L, E] is batch element 0 of a batch.
  nn::AttentionResult u = mha.forward(x.select(1, 0), x.select(1, 0), x.select(1, 0));
  REQUIRE(u.output.shape() == Shape{5, 8});
  REQUIRE(max_abs_diff(u.output, r.output.select(1, 0)) < 1e-13);
  REQUIRE(max_abs_diff(u.weights, r.weights[0]) < 1e-13);
  Tensor pad = tensor({0, 0, 0, 1, 1}, kBool);
  nn::AttentionResult up = mha.forward(x.select(1, 0), x.select(1, 0), x.select(1, 0), pad);
  REQUIRE(max(abs(up.weights.narrow(1, 3, 2))).item<double>() == 0.0);

  // Training: the attention weights go through dropout.
  mha.train();
  REQUIRE_FALSE(allclose(mha(x), r.output));
}

TEST_CASE("MultiheadAttention: errors", "[attention]") {
  nn::MultiheadAttention mha(8, 2);
  Generator g(7);
  Tensor x = randn({5, 3, 8}, g);
  REQUIRE_THROWS_WITH(nn::MultiheadAttention(10, 3), Contains("multiple of num_heads"));
  REQUIRE_THROWS_WITH(mha(randn({5, 3, 6}, g)), Contains("MultiheadAttention.forward") && Contains("embed_dim = 8"));
  REQUIRE_THROWS_WITH(mha(randn({8}, g)), Contains("3-D"));
  REQUIRE_THROWS_WITH(mha.forward(x, x, randn({4, 3, 8}, g)), Contains("key and value"));
  REQUIRE_THROWS_WITH(mha.forward(x, randn({4, 2, 8}, g), randn({4, 2, 8}, g)), Contains("batch sizes"));
  REQUIRE_THROWS_WITH(mha.forward(x, x, x, zeros({3, 4}, kBool)), Contains("key_padding_mask must be (3, 5)"));
  REQUIRE_THROWS_WITH(mha.forward(x, x, x, Tensor(), true, zeros({5, 4}, kBool)), Contains("attn_mask must be"));
  REQUIRE_THROWS_WITH(mha.forward(x, x, x, zeros({3, 5}, kInt64)), Contains("bool or floating"));
  REQUIRE_THROWS_WITH(mha(x.astype(kFloat64)), Contains("dtype"));
}

// ---- TransformerEncoderLayer --------------------------------------------------------------

namespace {
// One fixture case in eval mode (dropout off): output and every gradient.
void check_encoder(nn::TransformerEncoderLayer& layer, const std::string& name, bool use_is_causal) {
  load_parameters(layer, name, {"src", "src_mask", "src_key_padding_mask", "output"});
  layer.eval();
  Tensor src = load(name, "src").requires_grad_();
  Tensor padding = load(name, "src_key_padding_mask");
  Tensor y = use_is_causal ? layer.forward(src, Tensor(), padding, /*is_causal=*/true)
                           : layer.forward(src, load(name, "src_mask"), padding);
  require_close(y, name, "output");
  weighted(y, name, "output").backward();
  require_close(src.grad(), name, "grad.src");
  require_parameter_grads(layer, name);
}
}  // namespace

TEST_CASE("TransformerEncoderLayer (post-norm, relu) matches PyTorch in eval mode", "[attention][transformer]") {
  nn::TransformerEncoderLayer layer(8, 2, 16, 0.1, "relu");
  check_encoder(layer, "encoder_post_relu", false);
  nn::TransformerEncoderLayer causal(8, 2, 16, 0.1, "relu");
  check_encoder(causal, "encoder_post_relu", true);
}

TEST_CASE("TransformerEncoderLayer (pre-norm, gelu, batch_first) matches PyTorch in eval mode",
          "[attention][transformer]") {
  nn::TransformerEncoderLayer layer(8, 2, 16, 0.1, "gelu", 1e-5, /*batch_first=*/true, /*norm_first=*/true);
  check_encoder(layer, "encoder_pre_gelu_bf", false);
}

TEST_CASE("TransformerEncoderLayer: PyTorch's children, training mode, errors", "[attention][transformer]") {
  nn::TransformerEncoderLayer layer(8, 2, 16);
  std::vector<std::string> children;
  for (const auto& [n, m] : layer.named_children()) children.push_back(n);
  REQUIRE(children == std::vector<std::string>{"self_attn", "linear1", "dropout", "linear2", "norm1", "norm2",
                                               "dropout1", "dropout2"});
  StateDict sd = layer.state_dict();
  REQUIRE(sd.size() == 12);
  REQUIRE(sd.at("self_attn.in_proj_weight").shape() == Shape{24, 8});
  REQUIRE(sd.at("linear1.weight").shape() == Shape{16, 8});
  REQUIRE(sd.at("linear2.weight").shape() == Shape{8, 16});
  REQUIRE(sd.at("norm2.bias").shape() == Shape{8});
  REQUIRE(nn::TransformerEncoderLayer(8, 2).state_dict().at("linear1.weight").shape() == Shape{2048, 8});

  // forward(src) has no masks; training mode applies the dropouts.
  Generator g(8);
  Tensor src = randn({5, 3, 8}, g);
  layer.eval();
  Tensor eval_out = layer(src);
  REQUIRE(eval_out.shape() == Shape{5, 3, 8});
  REQUIRE(equal(layer(src), eval_out));
  layer.train();
  REQUIRE_FALSE(allclose(layer(src), eval_out));
  // Unbatched [S, d_model].
  layer.eval();
  REQUIRE(max_abs_diff(layer(src.select(1, 1)), eval_out.select(1, 1)) < 1e-5);

  REQUIRE_THROWS_WITH(nn::TransformerEncoderLayer(8, 2, 16, 0.1, "tanh"), Contains("relu") && Contains("gelu"));
  REQUIRE_THROWS_WITH(layer(randn({5, 3, 6}, g)), Contains("MultiheadAttention.forward"));
}
