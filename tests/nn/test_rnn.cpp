// RNN, LSTM, GRU and Embedding against PyTorch 1.13 (fixtures from
// tests/data/make_rnn_fixtures.py): PyTorch's parameters load by name, then
// outputs, final states and the gradients of the inputs and of every
// parameter must agree to 1e-10 in float64.
#include <nabla/nabla.h>
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.h"
#include "nn/rnn_fixtures.h"

using namespace nabla;
using Catch::Contains;
using rnn_fixtures::load;
using rnn_fixtures::load_parameters;
using rnn_fixtures::require_close;
using rnn_fixtures::require_parameter_grads;
using rnn_fixtures::weighted;

namespace {

// Runs one fixture case: loads the parameters, runs forward_with_state on
// x (and h0, c0 when the case has them), compares every output and every
// gradient.
template <class M>
void check_against_pytorch(M& rnn, const std::string& name, bool has_h0, bool has_c0) {
  load_parameters(rnn, name, {"x", "h0", "c0", "output", "h_n", "c_n"});
  Tensor x = load(name, "x").requires_grad_();
  Tensor h0 = has_h0 ? load(name, "h0").requires_grad_() : Tensor();
  Tensor c0 = has_c0 ? load(name, "c0").requires_grad_() : Tensor();
  nn::RNNResult r;
  if constexpr (std::is_same_v<M, nn::LSTM>)
    r = rnn.forward_with_state(x, h0, c0);
  else
    r = rnn.forward_with_state(x, h0);

  require_close(r.output, name, "output");
  require_close(r.h_n, name, "h_n");
  Tensor loss = weighted(r.output, name, "output") + weighted(r.h_n, name, "h_n");
  if constexpr (std::is_same_v<M, nn::LSTM>) {
    require_close(r.c_n, name, "c_n");
    loss = loss + weighted(r.c_n, name, "c_n");
  } else {
    REQUIRE_FALSE(r.c_n.defined());
  }
  loss.backward();
  require_close(x.grad(), name, "grad.x");
  if (has_h0) require_close(h0.grad(), name, "grad.h0");
  if (has_c0) require_close(c0.grad(), name, "grad.c0");
  require_parameter_grads(rnn, name);
}

std::vector<std::string> names(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, p] : m.named_parameters()) out.push_back(name);
  return out;
}

}  // namespace

// ---- against PyTorch -------------------------------------------------------------------

TEST_CASE("RNN (tanh, 2 layers, h0) matches PyTorch", "[rnn]") {
  nn::RNN rnn(4, 5, 2);
  check_against_pytorch(rnn, "rnn_tanh", true, false);
}

TEST_CASE("RNN (relu, 2 layers, bidirectional, batch_first) matches PyTorch", "[rnn]") {
  nn::RNN rnn(4, 5, 2, "relu", true, /*batch_first=*/true, 0.0, /*bidirectional=*/true);
  check_against_pytorch(rnn, "rnn_relu_bidir_bf", false, false);
}

TEST_CASE("LSTM (2 layers, h0 and c0) matches PyTorch", "[rnn]") {
  nn::LSTM lstm(4, 6, 2);
  check_against_pytorch(lstm, "lstm", true, true);
}

TEST_CASE("LSTM (2 layers, bidirectional, batch_first) matches PyTorch", "[rnn]") {
  nn::LSTM lstm(4, 6, 2, true, /*batch_first=*/true, 0.0, /*bidirectional=*/true);
  check_against_pytorch(lstm, "lstm_bidir_bf", true, true);
}

TEST_CASE("LSTM without bias on an unbatched sequence matches PyTorch", "[rnn]") {
  nn::LSTM lstm(4, 6, 1, /*bias=*/false);
  check_against_pytorch(lstm, "lstm_nobias_unbatched", false, false);
}

TEST_CASE("GRU (2 layers, h0) matches PyTorch", "[rnn]") {
  nn::GRU gru(4, 5, 2);
  check_against_pytorch(gru, "gru", true, false);
}

TEST_CASE("GRU (2 layers, bidirectional, batch_first) matches PyTorch", "[rnn]") {
  nn::GRU gru(4, 5, 2, true, /*batch_first=*/true, 0.0, /*bidirectional=*/true);
  check_against_pytorch(gru, "gru_bidir_bf", true, false);
}

// ---- parameters and initialisation ------------------------------------------------------

TEST_CASE("RNN layers: PyTorch's parameter names, shapes and init", "[rnn]") {
  nn::LSTM lstm(3, 5, 2, true, false, 0.0, true);
  REQUIRE(names(lstm) == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                  "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                                                  "bias_hh_l0_reverse", "weight_ih_l1", "weight_hh_l1", "bias_ih_l1",
                                                  "bias_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse",
                                                  "bias_ih_l1_reverse", "bias_hh_l1_reverse"});
  StateDict sd = lstm.state_dict();
  REQUIRE(sd.at("weight_ih_l0").shape() == Shape{20, 3});
  REQUIRE(sd.at("weight_ih_l1").shape() == Shape{20, 10});  // both directions feed layer 1
  REQUIRE(sd.at("weight_hh_l1_reverse").shape() == Shape{20, 5});
  REQUIRE(sd.at("bias_hh_l0").shape() == Shape{20});

  nn::GRU gru(3, 5, 1, /*bias=*/false);
  REQUIRE(names(gru) == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"});
  REQUIRE(gru.state_dict().at("weight_ih_l0").shape() == Shape{15, 3});
  nn::RNN rnn(3, 5);
  REQUIRE(rnn.state_dict().at("weight_hh_l0").shape() == Shape{5, 5});

  // U(-1/√hidden, 1/√hidden) for every parameter: inside the bound, and
  // spread over it (a uniform sample of 16·(...) values reaches near both ends).
  const double bound = 1.0 / std::sqrt(5.0);
  for (const auto& [name, p] : lstm.named_parameters()) {
    INFO(name);
    REQUIRE(max(abs(p)).item<double>() <= bound * (1 + 1e-6));  // float32 rounding
  }
  Tensor w = lstm.state_dict().at("weight_ih_l1");
  REQUIRE(max(w).item<double>() > 0.8 * bound);
  REQUIRE(min(w).item<double>() < -0.8 * bound);
  REQUIRE(std::abs(mean(w).item<double>()) < 0.1 * bound);
}

TEST_CASE("RNN layers: repr and forward(x)", "[rnn]") {
  nn::LSTM lstm(4, 6, 2, true, true, 0.0, true);
  REQUIRE(lstm.repr() == "LSTM(4, 6, num_layers=2, batch_first=True, bidirectional=True)");
  REQUIRE(nn::GRU(4, 6).repr() == "GRU(4, 6)");
  REQUIRE(nn::RNN(4, 6, 1, "relu", false, false, 0.5).repr() == "RNN(4, 6, bias=False, dropout=0.5)");

  // forward(x) is forward_with_state(x).output with a zero initial state;
  // the module call works too.
  Generator g(3);
  Tensor x = randn({3, 5, 4}, g);  // batch first
  Tensor y = lstm(x);
  REQUIRE(y.shape() == Shape{3, 5, 12});
  nn::RNNResult r = lstm.forward_with_state(x, zeros({4, 3, 6}), zeros({4, 3, 6}));
  REQUIRE(equal(y, r.output));
  REQUIRE(r.h_n.shape() == Shape{4, 3, 6});
  REQUIRE(r.c_n.shape() == Shape{4, 3, 6});
  // The last layer's forward-direction h_n is its output at the last step,
  // the reverse direction's is its output at the first step.
  REQUIRE(equal(r.h_n[2], r.output.select(1, 4).narrow(1, 0, 6)));
  REQUIRE(equal(r.h_n[3], r.output.select(1, 0).narrow(1, 6, 6)));
}

TEST_CASE("RNN layers: dropout between layers only in training", "[rnn]") {
  nn::GRU gru(4, 6, 2, true, false, /*dropout=*/0.5);
  nn::GRU plain(4, 6, 2);
  plain.load_state_dict(gru.state_dict());
  Generator g(4);
  Tensor x = randn({5, 3, 4}, g);
  Tensor train_out = gru(x);
  gru.eval();
  Tensor eval_out = gru(x);
  REQUIRE(equal(eval_out, plain(x)));            // eval: no dropout at all
  REQUIRE_FALSE(allclose(train_out, eval_out));  // training: the layer-0 output was dropped
  // One layer: nothing between layers, so dropout changes nothing.
  nn::RNN one(4, 6, 1, "tanh", true, false, 0.9);
  REQUIRE(one.is_training());
  nn::RNN one_plain(4, 6);
  one_plain.load_state_dict(one.state_dict());
  REQUIRE(equal(one(x), one_plain(x)));
}

// ---- gradients by finite differences -------------------------------------------------

// The LSTM's gradients with respect to its inputs (gradcheck and
// gradgradcheck on x, h0, c0) and to every parameter element (central
// differences of the loss, by hand, since gradcheck perturbs only inputs).
TEST_CASE("LSTM gradients match finite differences", "[rnn]") {
  nn::LSTM lstm(3, 4, 2, true, false, 0.0, true);
  lstm.to(kFloat64);
  Tensor x = testing::leaf({4, 2, 3}, 1);
  Tensor h0 = testing::leaf({4, 2, 4}, 2);
  Tensor c0 = testing::leaf({4, 2, 4}, 3);
  auto f = [&lstm](const std::vector<Tensor>& in) {
    nn::RNNResult r = lstm.forward_with_state(in[0], in[1], in[2]);
    return cat({r.output.flatten(), r.h_n.flatten(), r.c_n.flatten()});
  };
  REQUIRE(autograd::gradcheck(f, {x, h0, c0}));
  REQUIRE(autograd::gradgradcheck(f, {x, h0, c0}));

  Tensor w = testing::leaf({4 * 2 * 8 + 2 * (4 * 2 * 4)}, 4).detach();  // loss weights
  auto loss = [&] { return sum(f({x, h0, c0}) * w); };
  lstm.zero_grad();
  loss().backward();
  const double eps = 1e-6;
  NoGradGuard no_grad;
  for (const auto& [name, p] : lstm.named_parameters()) {
    INFO(name);
    double* data = p.data<double>();
    const double* grad = p.grad().contiguous().data<double>();
    for (int64_t j = 0; j < p.numel(); ++j) {
      const double saved = data[j];
      data[j] = saved + eps;
      const double up = loss().item<double>();
      data[j] = saved - eps;
      const double down = loss().item<double>();
      data[j] = saved;
      const double numerical = (up - down) / (2 * eps);
      REQUIRE(std::abs(grad[j] - numerical) <= 1e-6 + 1e-4 * std::abs(numerical));
    }
  }
}

// ---- errors ---------------------------------------------------------------------------

TEST_CASE("RNN layers: errors", "[rnn]") {
  nn::LSTM lstm(4, 6, 2);
  REQUIRE_THROWS_WITH(lstm(zeros({2, 3, 5})), Contains("LSTM.forward") && Contains("input_size = 4"));
  REQUIRE_THROWS_WITH(lstm(zeros({2, 3, 4, 1})), Contains("LSTM.forward") && Contains("3-D input"));
  REQUIRE_THROWS_WITH(lstm(zeros({4})), Contains("3-D input"));
  REQUIRE_THROWS_WITH(lstm.forward_with_state(zeros({5, 3, 4}), zeros({1, 3, 6})),
                      Contains("h0 of shape (2, 3, 6), got (1, 3, 6)"));
  REQUIRE_THROWS_WITH(lstm.forward_with_state(zeros({5, 3, 4}), Tensor(), zeros({2, 6})),
                      Contains("c0 of shape (2, 3, 6)"));
  REQUIRE_THROWS_WITH(lstm(zeros({5, 3, 4}, kFloat64)), Contains("dtype"));
  REQUIRE_THROWS_WITH(lstm.forward_with_state(zeros({5, 3, 4}), zeros({2, 3, 6}, kFloat64)),
                      Contains("h0 of dtype float64"));
  REQUIRE_THROWS_AS(nn::GRU(4, 0), Error);
  REQUIRE_THROWS_WITH(nn::GRU(4, 3, 2, true, false, 1.5), Contains("dropout"));
  REQUIRE_THROWS_WITH(nn::RNN(4, 3, 1, "sigmoid"), Contains("unknown nonlinearity 'sigmoid'"));
}

// ---- embedding ------------------------------------------------------------------------

TEST_CASE("Embedding with padding_idx matches PyTorch", "[rnn][embedding]") {
  const std::string name = "embedding_padding";
  nn::Embedding emb(10, 4, 0);
  load_parameters(emb, name, {"indices", "output"});
  Tensor idx = load(name, "indices");
  Tensor y = emb(idx);
  require_close(y, name, "output");
  weighted(y, name, "output").backward();
  require_parameter_grads(emb, name);
  // The padding row gets no gradient although index 0 occurs four times.
  REQUIRE(max(abs(emb.weight.grad()[0])).item<double>() == 0.0);
}

TEST_CASE("Embedding: init, shapes, repr, errors", "[rnn][embedding]") {
  nn::Embedding emb(1000, 8, -1);
  REQUIRE(emb.padding_idx == 999);
  REQUIRE(emb.repr() == "Embedding(1000, 8, padding_idx=999)");
  REQUIRE(nn::Embedding(5, 2).repr() == "Embedding(5, 2)");
  REQUIRE(max(abs(emb.weight[999])).item<double>() == 0.0);
  // N(0, 1) for the other rows.
  Tensor rows = emb.weight.narrow(0, 0, 999);
  REQUIRE(std::abs(mean(rows).item<double>()) < 0.05);
  REQUIRE(std::abs(nabla::std(rows).item<double>() - 1.0) < 0.05);

  // Any index shape: a 0-d index gives one row, [2, 3, 1] gives [2, 3, 1, 8].
  REQUIRE(emb(scalar_tensor(3, kInt64)).shape() == Shape{8});
  REQUIRE(emb(zeros({2, 3, 1}, kInt64)).shape() == Shape{2, 3, 1, 8});
  REQUIRE(equal(emb(from_vector<int64_t>({7, 7})), stack({emb.weight[7], emb.weight[7]})));

  REQUIRE_THROWS_WITH(emb(from_vector<int64_t>({3, 1000})), Contains("embedding") && Contains("index 1000"));
  REQUIRE_THROWS_WITH(emb(from_vector<int64_t>({-1})), Contains("out of range"));
  REQUIRE_THROWS_WITH(emb(zeros({3})), Contains("indices must be int64") && Contains("float32"));
  REQUIRE_THROWS_AS(nn::Embedding(5, 2, 5), Error);
}

TEST_CASE("gradcheck: embedding", "[rnn][embedding][gradcheck]") {
  // (The padding row is left out: its true derivative is not zero, PyTorch
  // and nabla just do not train it; the fixture above checks that rule.)
  Tensor idx = from_vector<int64_t>({2, 0, 1, 2, 2, 3}, {2, 3});
  REQUIRE(testing::check1([idx](auto w) { return nn::functional::embedding(idx, w); }, testing::leaf({4, 3})));
  // Squared, so that the second derivative depends on the weight.
  REQUIRE(testing::check1(
      [idx](auto w) {
        Tensor y = nn::functional::embedding(idx, w);
        return y * y;
      },
      testing::leaf({4, 3}, 2)));
}
