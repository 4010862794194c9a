// Recurrent layers: RNN (tanh or relu), LSTM and GRU, with PyTorch's
// parameters, gate order and initialisation, so a PyTorch state_dict loads
// into them by name.
//
// One time step of layer k, with x_t its input (the sequence itself for
// k = 0, the previous layer's output after that) and h the hidden state:
//
//   RNN   h' = tanh(W_ih x_t + b_ih + W_hh h + b_hh)         (or relu)
//
//   LSTM  i, f, g, o = chunk(W_ih x_t + b_ih + W_hh h + b_hh, 4)
//         c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
//         h' = σ(o) ⊙ tanh(c')
//
//   GRU   r  = σ(W_ir x_t + b_ir + W_hr h + b_hr)
//         z  = σ(W_iz x_t + b_iz + W_hz h + b_hz)
//         n  = tanh(W_in x_t + b_in + r ⊙ (W_hn h + b_hn))
//         h' = (1 - z) ⊙ n + z ⊙ h
//
// Parameters, per layer k and direction (suffix "_reverse" for the second
// direction of a bidirectional layer), G = 1 (RNN), 4 (LSTM), 3 (GRU):
//
//   weight_ih_l{k}  [G·hidden, input_size]  (k = 0)  or  [G·hidden, D·hidden]
//   weight_hh_l{k}  [G·hidden, hidden]
//   bias_ih_l{k}, bias_hh_l{k}  [G·hidden]  (only with bias)
//
// with the gates stacked in PyTorch's order: i, f, g, o (LSTM), r, z, n
// (GRU). All start as U(-1/√hidden, 1/√hidden).
//
// Shapes (L sequence length, N batch, D = 2 if bidirectional else 1):
//
//   input   [L, N, input_size], or [N, L, input_size] with batch_first, or
//           [L, input_size] (unbatched)
//   output  [L, N, D·hidden] (or [N, L, D·hidden]): the last layer's h at
//           every step, both directions concatenated
//   h_n     [D·num_layers, N, hidden]: every layer's final h (never batch
//           first); c_n likewise for the LSTM. Unbatched: no N.
//
// The reverse direction reads the sequence from its end; its output at step
// t is its state after reading x_{L-1} ... x_t. With dropout > 0 and in
// training mode, every layer's output but the last goes through dropout.
//
//   nn::LSTM lstm(/*input_size=*/10, /*hidden_size=*/20, /*num_layers=*/2);
//   Tensor y = lstm(x);                           // x [seq, batch, 10]
//   nn::RNNResult r = lstm.forward_with_state(x, h0, c0);   // r.output, r.h_n, r.c_n
#pragma once
#include <string>
#include <vector>

#include "module.h"

namespace nabla::nn {

// What forward_with_state returns. c_n is undefined except for the LSTM.
struct RNNResult {
  Tensor output;
  Tensor h_n;
  Tensor c_n;
};

// The machinery shared by RNN, LSTM and GRU (PyTorch's RNNBase).
class RNNBase : public Module {
 public:
  enum class Mode { RNNTanh, RNNRelu, LSTM, GRU };

  RNNBase(std::string type_name, Mode mode, int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
          bool batch_first, double dropout, bool bidirectional);

  // The output sequence only (initial state zero).
  Tensor forward(const Tensor& input) override;
  // "10, 20, num_layers=2, batch_first=True" (defaults left out, as PyTorch)
  std::string extra_repr() const override;

  Mode mode;
  int64_t input_size;
  int64_t hidden_size;
  int64_t num_layers;
  bool bias;
  bool batch_first;
  double dropout;
  bool bidirectional;

 protected:
  // The whole stack over the whole sequence; an undefined h0 (c0) means zeros.
  RNNResult run(const Tensor& input, const Tensor& h0, const Tensor& c0);

 private:
  // One layer in one direction over the sequence (time along `time_axis`
  // of x). h and c are the state in and out; the result is h at every step.
  Tensor run_direction(const Tensor& x, int64_t time_axis, size_t cell, bool reverse, Tensor& h, Tensor& c) const;

  struct CellWeights {
    Tensor w_ih, w_hh, b_ih, b_hh;  // biases undefined without bias
  };
  std::vector<CellWeights> cells_;  // layer-major: cells_[layer * D + direction]
};

// RNN with tanh (default) or relu: nonlinearity "tanh" or "relu".
class RNN : public RNNBase {
 public:
  RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, const std::string& nonlinearity = "tanh",
      bool bias = true, bool batch_first = false, double dropout = 0.0, bool bidirectional = false);
  // h0: [D·num_layers, N, hidden] (or [D·num_layers, hidden] unbatched).
  RNNResult forward_with_state(const Tensor& input, const Tensor& h0 = Tensor()) { return run(input, h0, Tensor()); }
};

class LSTM : public RNNBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true, bool batch_first = false,
       double dropout = 0.0, bool bidirectional = false);
  // h0 and c0: [D·num_layers, N, hidden]; either may be left undefined (zeros).
  RNNResult forward_with_state(const Tensor& input, const Tensor& h0 = Tensor(), const Tensor& c0 = Tensor()) {
    return run(input, h0, c0);
  }
};

class GRU : public RNNBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true, bool batch_first = false,
      double dropout = 0.0, bool bidirectional = false);
  RNNResult forward_with_state(const Tensor& input, const Tensor& h0 = Tensor()) { return run(input, h0, Tensor()); }
};

}  // namespace nabla::nn
