#include "loss.h"

#include <string>
#include <vector>

#include "../../autograd/grad_mode.h"
#include "../../autograd/ops/activation.h"
#include "../../autograd/ops/arithmetic.h"
#include "../../autograd/ops/compare.h"
#include "../../autograd/ops/indexing.h"
#include "../../autograd/ops/reduce.h"
#include "../../autograd/ops/unary.h"
#include "../../autograd/ops/view.h"
#include "../../autograd/record.h"
#include "../../kernels/kernels.h"
#include "../../tensor/capture.h"
#include "../../tensor/creation.h"
#include "../../tensor/kernel_view.h"

namespace nabla::nn::functional {

using autograd::Grads;
using autograd::record;
using detail::kview;

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::None:
      return "none";
    case Reduction::Mean:
      return "mean";
    case Reduction::Sum:
      return "sum";
    case Reduction::BatchMean:
      return "batchmean";
  }
  return "?";
}

namespace {

// ---- shared checks and helpers ---------------------------------------------------------

void check_input(const char* op, const Tensor& input, const char* name = "input") {
  NABLA_CHECK(input.defined(), op, name, " is undefined");
  NABLA_CHECK(is_floating(input.dtype()), op, "expected a floating ", name, ", got ", dtype_name(input.dtype()),
              " of shape ", shape_str(input.shape()));
}

// A target of the input's shape, floating; returned in the input's dtype.
Tensor same_shape_target(const char* op, const Tensor& input, const Tensor& target, const char* name = "target") {
  check_input(op, input);
  NABLA_CHECK(target.defined(), op, name, " is undefined");
  NABLA_CHECK(target.shape() == input.shape(), op, name, " of shape ", shape_str(target.shape()),
              " does not match input of shape ", shape_str(input.shape()), " (they must be equal)");
  NABLA_CHECK(is_floating(target.dtype()), op, "expected a floating ", name, ", got ", dtype_name(target.dtype()));
  return target.to(input.dtype());
}

// Mean and Sum of a per-element loss; BatchMean is kl_div's alone.
Tensor reduce(const Tensor& loss, Reduction reduction, const char* op) {
  switch (reduction) {
    case Reduction::None:
      return loss;
    case Reduction::Sum:
      return sum(loss);
    case Reduction::Mean:
      return mean(loss);
    case Reduction::BatchMean:
      break;
  }
  NABLA_CHECK(false, op, "reduction 'batchmean' is only supported by kl_div; use None, Mean or Sum");
  return {};
}

// An optional weight that multiplies the per-element loss (broadcast).
Tensor weighted(const Tensor& loss, const Tensor& weight, const char* op) {
  if (!weight.defined()) return loss;
  NABLA_CHECK(broadcast_shapes(loss.shape(), weight.shape(), op) == loss.shape(), op, "weight of shape ",
              shape_str(weight.shape()), " does not broadcast to the loss shape ", shape_str(loss.shape()));
  return loss * weight.to(loss.dtype());
}

// ---- class-index targets -------------------------------------------------------------------

// Logits/log-probabilities [C], [N, C] or [N, C, d1, ...] as rows [M, C],
// with int64 class-index targets [], [N] or [N, d1, ...] as [M].
struct ClassRows {
  Tensor rows;       // [M, C]
  Tensor target;     // [M] int64, contiguous
  Tensor weight;     // [C] in the input's dtype, or undefined
  Shape loss_shape;  // the shape of the unreduced loss: target's shape
  int64_t classes = 0;
};

ClassRows class_rows(const char* op, const Tensor& input, const Tensor& target, const Tensor& weight) {
  check_input(op, input);
  NABLA_CHECK(target.defined(), op, "target is undefined");
  NABLA_CHECK(input.ndim() >= 1, op, "expected input [N, C] (or [C], [N, C, d1, ...]), got a 0-d tensor");
  const int64_t class_dim = input.ndim() == 1 ? 0 : 1;
  ClassRows r;
  r.classes = input.shape()[class_dim];
  Shape expected = input.shape();
  expected.erase(expected.begin() + class_dim);
  const bool probabilities_allowed = std::string(op) == "cross_entropy";
  NABLA_CHECK(target.shape() == expected, op, "target of shape ", shape_str(target.shape()),
              " does not match input of shape ", shape_str(input.shape()), ": expected class indices of shape ",
              shape_str(expected), probabilities_allowed ? " or float class probabilities of the input's shape" : "");
  NABLA_CHECK(target.dtype() == kInt64, op, "class-index targets must be int64, got ", dtype_name(target.dtype()),
              " of shape ", shape_str(target.shape()));
  if (weight.defined()) {
    NABLA_CHECK(weight.shape() == Shape{r.classes}, op, "weight of shape ", shape_str(weight.shape()),
                " must be [C] = (", r.classes, ",) for input of shape ", shape_str(input.shape()));
    check_input(op, weight, "weight");
    r.weight = weight.detach().to(input.dtype()).contiguous();
  }
  r.loss_shape = target.shape();
  if (input.ndim() == 1) {
    r.rows = input.unsqueeze(0);
  } else if (input.ndim() == 2) {
    r.rows = input;
  } else {
    // [N, C, d1, ...] -> [N, d1, ..., C] -> [M, C]: one row per position.
    Shape axes = {0};
    for (int64_t d = 2; d < input.ndim(); ++d) axes.push_back(d);
    axes.push_back(1);
    r.rows = input.permute(axes).reshape({-1, r.classes});
  }
  r.target = target.detach().reshape({-1}).contiguous();
  return r;
}

// What the reductions and the composed backward need from the targets [M],
// read on the host: each one checked against [0, C) (the kernels do not
// check) and the total weight of the counted rows (Mean's denominator);
// with per_row, also the class each row picks (0 when ignored), whether
// it counts, and its weight.
struct TargetScan {
  double total_weight = 0;
  std::vector<int64_t> safe_target;
  std::vector<double> keep;        // 1 where the row counts, 0 where ignored
  std::vector<double> row_weight;  // w[t_i] where counted, else 0
};

TargetScan scan_targets_now(const char* op, const Tensor& target, const Tensor& weight, int64_t classes,
                            int64_t ignore_index, bool per_row) {
  Tensor t = target.to(Device::cpu()).contiguous();
  const int64_t* p = t.data<int64_t>();
  std::vector<double> w;
  if (weight.defined()) {
    Tensor wh = weight.to(Device::cpu()).astype(kFloat64);
    w.assign(wh.data<double>(), wh.data<double>() + classes);
  }
  TargetScan s;
  const int64_t m = t.numel();
  if (per_row) {
    s.safe_target.resize(m);
    s.keep.resize(m);
    s.row_weight.resize(m);
  }
  for (int64_t i = 0; i < m; ++i) {
    if (p[i] == ignore_index) continue;  // per-row entries stay 0
    NABLA_CHECK(p[i] >= 0 && p[i] < classes, op, "target class ", p[i], " is out of range for ", classes,
                " classes (expected 0 <= target < ", classes, ", or ignore_index = ", ignore_index,
                "; at flat position ", i, " of the target)");
    const double wi = w.empty() ? 1.0 : w[p[i]];
    s.total_weight += wi;
    if (per_row) {
      s.safe_target[i] = p[i];
      s.keep[i] = 1;
      s.row_weight[i] = wi;
    }
  }
  return s;
}

// The scan, made part of a captured step (tensor/capture.h): what the scan
// found is baked into the step, so each replay scans its targets again and
// stops with an error if they would give another total weight (another
// count of ignored rows, other class weights). Per-row results become
// tensors of their own: those ops cannot be captured.
TargetScan scan_targets(const char* op, const Tensor& target, const Tensor& weight, int64_t classes,
                        int64_t ignore_index, bool per_row) {
  if (per_row) detail::check_not_capturing(op, "turns every row's target, read on the host, into a tensor");
  TargetScan s = scan_targets_now(op, target, weight, classes, ignore_index, per_row);
  detail::on_replay([op, target, weight, classes, ignore_index, captured = s.total_weight] {
    const double now = scan_targets_now(op, target, weight, classes, ignore_index, false).total_weight;
    NABLA_CHECK(now == captured, op, "the targets' total weight is ", now, " but was ", captured,
                " when the step was captured (other ignored rows or class weights): the captured step divides "
                "by the old total; capture the step again");
  });
  return s;
}

Tensor reduce_class_loss(const Tensor& rows_loss, const ClassRows& r, Reduction reduction, double total_weight,
                         const char* op) {
  switch (reduction) {
    case Reduction::None:
      return rows_loss.reshape(r.loss_shape);
    case Reduction::Sum:
      return sum(rows_loss);
    case Reduction::Mean:
      // As PyTorch: 0/0 = NaN when every target is ignored.
      return sum(rows_loss) / total_weight;
    case Reduction::BatchMean:
      break;
  }
  return reduce(rows_loss, reduction, op);  // throws
}

// d loss_rows / d logits as differentiable ops (for create_graph):
//   dy_i (a_i softmax(x)[i, c] - B[i, c]),  B = (1-ε) w_t onehot + ε/C keep w
// a_i = Σ_c B[i, c]. a and B are constants.
Tensor cross_entropy_backward_composed(const Tensor& dy, const Tensor& x, const Tensor& target, const Tensor& weight,
                                       int64_t ignore_index, double smoothing) {
  const int64_t m = x.shape()[0], classes = x.shape()[1];
  const TensorOptions opts(x.dtype(), x.device());
  Tensor b;
  {
    NoGradGuard no_grad;
    TargetScan s = scan_targets("cross_entropy", target, weight, classes, ignore_index, true);
    Tensor t = from_vector(s.safe_target, {m}).to(x.device());
    Tensor row_w = from_vector(s.row_weight, {m, 1}).to(opts.dtype).to(x.device());
    Tensor keep = from_vector(s.keep, {m, 1}).to(opts.dtype).to(x.device());
    Tensor w = weight.defined() ? weight.reshape({1, classes}) : ones({1, classes}, opts);
    b = (1 - smoothing) * row_w * one_hot(t, classes).to(opts.dtype) + (smoothing / classes) * keep * w;
  }
  Tensor a = sum(b, {1}, true);
  return dy.reshape({m, 1}) * (softmax(x, 1) * a - b);
}

// The fused primitive: the loss of every row of x [M, C] (see kernels.h).
Tensor cross_entropy_rows(const Tensor& x, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                          double smoothing) {
  const int64_t m = x.shape()[0];
  Tensor loss = empty({m}, x.dtype(), x.device());
  Tensor lse = empty({m}, x.dtype(), x.device());
  const kernels::View no_weight{};
  kernels::cross_entropy_forward(kview(loss), kview(lse), kview(x), kview(target),
                                 weight.defined() ? kview(weight) : no_weight, ignore_index, smoothing);
  // Saved: x, the row logsumexp (softmax = exp(x - lse) without another
  // pass for the max and the sum), the targets and the weights.
  return record(
      "cross_entropy", loss, {x}, {x, target}, [x, lse, target, weight, ignore_index, smoothing](const Tensor& dy) {
        if (GradMode::is_enabled())  // create_graph: the same, as differentiable ops
          return Grads{cross_entropy_backward_composed(dy, x, target, weight, ignore_index, smoothing)};
        Tensor dx = empty(x.shape(), x.dtype(), x.device());
        Tensor g = dy.to(x.dtype());
        const kernels::View no_weight{};
        kernels::cross_entropy_backward(kview(dx), kview(g), kview(x), kview(lse), kview(target),
                                        weight.defined() ? kview(weight) : no_weight, ignore_index, smoothing);
        return Grads{dx};
      });
}

// Class probabilities as targets: composed (its gradient also flows into
// the target).
Tensor cross_entropy_probabilities(const Tensor& input, const Tensor& target, const Tensor& weight,
                                   int64_t ignore_index, Reduction reduction, double smoothing) {
  const char* op = "cross_entropy";
  NABLA_CHECK(ignore_index < 0, op, "ignore_index (", ignore_index,
              ") is not supported with class-probability targets");
  const int64_t class_dim = input.ndim() == 1 ? 0 : 1;
  const int64_t classes = input.shape()[class_dim];
  Tensor t = target.to(input.dtype());
  if (smoothing != 0) t = t * (1 - smoothing) + smoothing / classes;
  Tensor prod = log_softmax(input, class_dim) * t;
  if (weight.defined()) {
    NABLA_CHECK(weight.shape() == Shape{classes}, op, "weight of shape ", shape_str(weight.shape()), " must be [C] = (",
                classes, ",) for input of shape ", shape_str(input.shape()));
    Shape wshape(static_cast<size_t>(input.ndim()), 1);
    wshape[class_dim] = classes;
    prod = prod * weight.detach().to(input.dtype()).reshape(wshape);
  }
  Tensor loss = -sum(prod, {class_dim});
  if (reduction == Reduction::Mean) return sum(loss) / static_cast<double>(loss.numel());
  return reduce(loss, reduction, op);
}

}  // namespace

// ---- regression ------------------------------------------------------------------------------

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  Tensor d = input - same_shape_target("mse_loss", input, target);
  return reduce(d * d, reduction, "mse_loss");
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return reduce(abs(input - same_shape_target("l1_loss", input, target)), reduction, "l1_loss");
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  NABLA_CHECK(beta >= 0, "smooth_l1_loss", "beta must be >= 0, got ", beta);
  Tensor d = input - same_shape_target("smooth_l1_loss", input, target);
  if (beta == 0) return reduce(abs(d), reduction, "smooth_l1_loss");  // the L1 loss, without 0/0
  Tensor ad = abs(d);
  // The quadratic branch is written without abs so its gradient is d/beta,
  // also at d = 0 (abs has a kink there).
  return reduce(where(ad < beta, 0.5 / beta * d * d, ad - 0.5 * beta), reduction, "smooth_l1_loss");
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  NABLA_CHECK(delta > 0, "huber_loss", "delta must be > 0, got ", delta);
  Tensor d = input - same_shape_target("huber_loss", input, target);
  Tensor ad = abs(d);
  return reduce(where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)), reduction, "huber_loss");
}

// ---- classification ------------------------------------------------------------------------

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                     Reduction reduction, double label_smoothing) {
  const char* op = "cross_entropy";
  check_input(op, input);
  NABLA_CHECK(label_smoothing >= 0 && label_smoothing <= 1, op, "label_smoothing must be in [0, 1], got ",
              label_smoothing);
  if (target.defined() && is_floating(target.dtype()) && target.shape() == input.shape())
    return cross_entropy_probabilities(input, target, weight, ignore_index, reduction, label_smoothing);
  ClassRows r = class_rows(op, input, target, weight);
  const double total_weight = scan_targets(op, r.target, r.weight, r.classes, ignore_index, false).total_weight;
  Tensor rows_loss = cross_entropy_rows(r.rows.contiguous(), r.target, r.weight, ignore_index, label_smoothing);
  return reduce_class_loss(rows_loss, r, reduction, total_weight, op);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                Reduction reduction) {
  const char* op = "nll_loss";
  ClassRows r = class_rows(op, input, target, weight);
  TargetScan scan = scan_targets(op, r.target, r.weight, r.classes, ignore_index, true);
  const int64_t m = r.target.numel();
  Tensor safe = from_vector(scan.safe_target, {m, 1}).to(input.device());
  Tensor row_weight = from_vector(scan.row_weight, {m}).to(input.dtype()).to(input.device());
  Tensor rows_loss = -gather(r.rows, 1, safe).reshape({m}) * row_weight;
  return reduce_class_loss(rows_loss, r, reduction, scan.total_weight, op);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
  const char* op = "binary_cross_entropy";
  Tensor t = same_shape_target(op, input, target);
  NABLA_CHECK(all(logical_and(input >= 0.0, input <= 1.0)).item<bool>(), op,
              "all elements of input should be between 0 and 1 (probabilities; for logits use "
              "binary_cross_entropy_with_logits)");
  // log(0) = -inf is clamped to -100 (PyTorch's choice), so a confident
  // mistake costs 100 instead of inf.
  Tensor log_x = clamp(log(input), -100.0, None);
  Tensor log_1mx = clamp(log1p(-input), -100.0, None);
  Tensor loss = -(t * log_x + (1.0 - t) * log_1mx);
  return reduce(weighted(loss, weight, op), reduction, op);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        Reduction reduction, const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  Tensor t = same_shape_target(op, input, target);
  // softplus(-x) = log(1 + e^-x) = m + log(e^-m + e^(-x-m)) for any constant
  // m; m = max(-x, 0) keeps both exponents <= 0 (no overflow). m is held
  // constant (detached), so the gradient is exactly -sigmoid(-x), also at
  // x = 0 where max has a kink.
  Tensor m = maximum(-input.detach(), 0.0);
  Tensor softplus_neg = m + log(exp(-m) + exp(-input - m));
  Tensor loss;
  if (pos_weight.defined()) {
    NABLA_CHECK(broadcast_shapes(input.shape(), pos_weight.shape(), op) == input.shape(), op, "pos_weight of shape ",
                shape_str(pos_weight.shape()), " does not broadcast to the input shape ", shape_str(input.shape()));
    Tensor log_weight = 1.0 + (pos_weight.to(input.dtype()) - 1.0) * t;
    loss = (1.0 - t) * input + log_weight * softplus_neg;
  } else {
    loss = (1.0 - t) * input + softplus_neg;
  }
  return reduce(weighted(loss, weight, op), reduction, op);
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  const char* op = "kl_div";
  Tensor t = same_shape_target(op, input, target);
  Tensor loss;
  if (log_target) {
    loss = exp(t) * (t - input);
  } else {
    // xlogy(p, p) - p x: p log p taken as 0 where p = 0.
    Tensor zero = t == 0.0;
    loss = where(zero, 0.0, t * log(where(zero, 1.0, t))) - t * input;
  }
  if (reduction == Reduction::BatchMean) {
    const int64_t batch = input.ndim() == 0 ? 1 : input.shape()[0];
    return sum(loss) / static_cast<double>(batch);
  }
  return reduce(loss, reduction, op);
}

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                           Reduction reduction) {
  const char* op = "margin_ranking_loss";
  Tensor x2 = same_shape_target(op, input1, input2, "input2");
  Tensor y = same_shape_target(op, input1, target);
  return reduce(relu(-y * (input1 - x2) + margin), reduction, op);
}

}  // namespace nabla::nn::functional
