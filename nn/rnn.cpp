#include "rnn.h"

#include <cmath>
#include <sstream>

#include "../autograd/ops/activation.h"
#include "../autograd/ops/arithmetic.h"
#include "../autograd/ops/join.h"
#include "../autograd/ops/unary.h"
#include "../autograd/ops/view.h"
#include "../tensor/creation.h"
#include "functional/linear.h"
#include "init.h"

namespace nabla::nn {

namespace {

using Mode = RNNBase::Mode;

// How many gate blocks W_ih and W_hh stack.
int64_t gate_count(Mode mode) {
  switch (mode) {
    case Mode::LSTM:
      return 4;  // i, f, g, o
    case Mode::GRU:
      return 3;  // r, z, n
    default:
      return 1;
  }
}

// One time step: gi = W_ih x_t + b_ih and gh = W_hh h + b_hh (all gates
// stacked along the last axis) give the new h (and c, for the LSTM).
void cell_step(Mode mode, const Tensor& gi, const Tensor& gh, Tensor& h, Tensor& c) {
  switch (mode) {
    case Mode::RNNTanh:
      h = tanh(gi + gh);
      return;
    case Mode::RNNRelu:
      h = relu(gi + gh);
      return;
    case Mode::LSTM: {
      std::vector<Tensor> gates = chunk(gi + gh, 4, -1);  // i, f, g, o
      c = sigmoid(gates[1]) * c + sigmoid(gates[0]) * tanh(gates[2]);
      h = sigmoid(gates[3]) * tanh(c);
      return;
    }
    case Mode::GRU: {
      // The GRU keeps the two halves apart: r gates W_hn h + b_hn only.
      std::vector<Tensor> x_gates = chunk(gi, 3, -1);  // r, z, n
      std::vector<Tensor> h_gates = chunk(gh, 3, -1);
      Tensor r = sigmoid(x_gates[0] + h_gates[0]);
      Tensor z = sigmoid(x_gates[1] + h_gates[1]);
      Tensor n = tanh(x_gates[2] + r * h_gates[2]);
      h = (1.0 - z) * n + z * h;
      return;
    }
  }
}

}  // namespace

RNNBase::RNNBase(std::string type_name, Mode mode_, int64_t input_size_, int64_t hidden_size_, int64_t num_layers_,
                 bool bias_, bool batch_first_, double dropout_, bool bidirectional_)
    : Module(type_name),
      mode(mode_),
      input_size(input_size_),
      hidden_size(hidden_size_),
      num_layers(num_layers_),
      bias(bias_),
      batch_first(batch_first_),
      dropout(dropout_),
      bidirectional(bidirectional_) {
  NABLA_CHECK(input_size > 0 && hidden_size > 0 && num_layers > 0, type_name,
              "input_size, hidden_size and num_layers must be positive, got ", input_size, ", ", hidden_size, " and ",
              num_layers);
  NABLA_CHECK(dropout >= 0.0 && dropout <= 1.0, type_name, "dropout must be a probability in [0, 1], got ", dropout);
  const int64_t gate_size = gate_count(mode) * hidden_size;
  const int64_t directions = bidirectional ? 2 : 1;
  // Registration order is PyTorch's, so named_parameters() lists the same
  // names in the same order.
  for (int64_t layer = 0; layer < num_layers; ++layer) {
    for (int64_t direction = 0; direction < directions; ++direction) {
      const std::string suffix = "_l" + std::to_string(layer) + (direction == 1 ? "_reverse" : "");
      const int64_t layer_input_size = layer == 0 ? input_size : directions * hidden_size;
      CellWeights w;
      w.w_ih = register_parameter("weight_ih" + suffix, empty({gate_size, layer_input_size}));
      w.w_hh = register_parameter("weight_hh" + suffix, empty({gate_size, hidden_size}));
      if (bias) {
        w.b_ih = register_parameter("bias_ih" + suffix, empty({gate_size}));
        w.b_hh = register_parameter("bias_hh" + suffix, empty({gate_size}));
      }
      cells_.push_back(w);
    }
  }
  // PyTorch's reset_parameters: every weight and bias from U(-1/√hidden, 1/√hidden).
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (const Tensor& p : parameters(false)) init::uniform_(p, -bound, bound);
}

Tensor RNNBase::forward(const Tensor& input) { return run(input, Tensor(), Tensor()).output; }

RNNResult RNNBase::run(const Tensor& input, const Tensor& h0, const Tensor& c0) {
  const std::string op = type_name() + ".forward";
  NABLA_CHECK(input.defined(), op, "the input is undefined");
  NABLA_CHECK(input.ndim() == 2 || input.ndim() == 3, op,
              "expected a 3-D input [seq, batch, features] (batch first: [batch, seq, features]) or a 2-D "
              "unbatched one [seq, features], got shape ",
              shape_str(input.shape()));
  NABLA_CHECK(input.shape().back() == input_size, op, "the input's last dim must equal input_size = ", input_size,
              ", got shape ", shape_str(input.shape()));
  const DType dtype = cells_[0].w_ih.dtype();
  NABLA_CHECK(input.dtype() == dtype, op, "input of dtype ", dtype_name(input.dtype()),
              " does not match the parameters' dtype ", dtype_name(dtype), " (convert one with .to())");

  // Work batched: an unbatched input gets a batch of one, removed at the end.
  const bool batched = input.ndim() == 3;
  const int64_t time_axis = batch_first ? 1 : 0;
  const int64_t batch_axis = 1 - time_axis;
  const Tensor x = batched ? input : unsqueeze(input, batch_axis);
  const int64_t directions = bidirectional ? 2 : 1;
  const Shape state_shape{directions * num_layers, x.shape()[batch_axis], hidden_size};
  auto initial_state = [&](const Tensor& s, const char* name) {
    if (!s.defined()) return zeros(state_shape, TensorOptions(dtype, x.device()));
    Tensor state = batched || s.ndim() != 2 ? s : unsqueeze(s, 1);
    Shape expected = state_shape;
    if (!batched) expected.erase(expected.begin() + 1);
    NABLA_CHECK(state.shape() == state_shape, op, "expected ", name, " of shape ", shape_str(expected), ", got ",
                shape_str(s.shape()));
    NABLA_CHECK(state.dtype() == dtype, op, name, " of dtype ", dtype_name(s.dtype()),
                " does not match the parameters' dtype ", dtype_name(dtype));
    return state;
  };
  const Tensor h_init = initial_state(h0, "h0");
  const Tensor c_init = mode == Mode::LSTM ? initial_state(c0, "c0") : Tensor();

  std::vector<Tensor> h_n, c_n;
  Tensor layer_input = x;
  for (int64_t layer = 0; layer < num_layers; ++layer) {
    std::vector<Tensor> outputs;
    for (int64_t direction = 0; direction < directions; ++direction) {
      const int64_t cell = layer * directions + direction;
      Tensor h = select(h_init, 0, cell);
      Tensor c = c_init.defined() ? select(c_init, 0, cell) : Tensor();
      outputs.push_back(run_direction(layer_input, time_axis, static_cast<size_t>(cell), direction == 1, h, c));
      h_n.push_back(h);
      if (c.defined()) c_n.push_back(c);
    }
    layer_input = directions == 1 ? outputs[0] : cat(outputs, -1);
    if (dropout > 0.0 && is_training() && layer + 1 < num_layers)
      layer_input = nabla::dropout(layer_input, dropout, true);
  }

  RNNResult result{layer_input, stack(h_n, 0), c_n.empty() ? Tensor() : stack(c_n, 0)};
  if (!batched) {
    result.output = squeeze(result.output, batch_axis);
    result.h_n = squeeze(result.h_n, 1);
    if (result.c_n.defined()) result.c_n = squeeze(result.c_n, 1);
  }
  return result;
}

Tensor RNNBase::run_direction(const Tensor& x, int64_t time_axis, size_t cell, bool reverse, Tensor& h,
                              Tensor& c) const {
  const CellWeights& w = cells_[cell];
  // The input projections of every time step at once, in one matmul; only
  // W_hh h + b_hh has to wait for the previous step.
  const Tensor gi_all = functional::linear(x, w.w_ih, w.b_ih);
  const int64_t steps = x.shape()[time_axis];
  std::vector<Tensor> outputs(static_cast<size_t>(steps));
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    cell_step(mode, select(gi_all, time_axis, t), functional::linear(h, w.w_hh, w.b_hh), h, c);
    outputs[static_cast<size_t>(t)] = h;
  }
  return stack(outputs, time_axis);
}

std::string RNNBase::extra_repr() const {
  std::ostringstream os;
  os << input_size << ", " << hidden_size;
  if (num_layers != 1) os << ", num_layers=" << num_layers;
  if (!bias) os << ", bias=False";
  if (batch_first) os << ", batch_first=True";
  if (dropout != 0.0) os << ", dropout=" << dropout;
  if (bidirectional) os << ", bidirectional=True";
  return os.str();
}

namespace {
Mode rnn_mode(const std::string& nonlinearity) {
  NABLA_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", "RNN", "unknown nonlinearity '", nonlinearity,
              "' (expected 'tanh' or 'relu')");
  return nonlinearity == "tanh" ? Mode::RNNTanh : Mode::RNNRelu;
}
}  // namespace

RNN::RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers, const std::string& nonlinearity, bool bias,
         bool batch_first, double dropout, bool bidirectional)
    : RNNBase("RNN", rnn_mode(nonlinearity), input_size, hidden_size, num_layers, bias, batch_first, dropout,
              bidirectional) {}

LSTM::LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first, double dropout,
           bool bidirectional)
    : RNNBase("LSTM", Mode::LSTM, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional) {}

GRU::GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first, double dropout,
         bool bidirectional)
    : RNNBase("GRU", Mode::GRU, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional) {}

}  // namespace nabla::nn
