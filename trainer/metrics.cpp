#include "metrics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>

#include "../autograd/grad_mode.h"
#include "../tensor/creation.h"

namespace nabla::trainer {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Any tensor as float64 values in C order, on the CPU, cut from the graph.
std::vector<double> to_doubles(const Tensor& t) {
  NoGradGuard no_grad;
  Tensor c = t.detach().to(Device::cpu()).to(kFloat64).contiguous();
  const double* p = c.data<double>();
  return std::vector<double>(p, p + c.numel());
}

// Class indices from int64/float targets, each checked to be in [0, C).
std::vector<int64_t> to_classes(const Tensor& target, int64_t num_classes, const char* op) {
  std::vector<double> v = to_doubles(target);
  std::vector<int64_t> classes(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double c = v[i];
    NABLA_CHECK(c >= 0 && c < static_cast<double>(num_classes) && c == std::floor(c), op, "target ", c, " at index ", i,
                " is not a class index in [0, ", num_classes, ")");
    classes[i] = static_cast<int64_t>(c);
  }
  return classes;
}

bool is_binary_output(const Tensor& output) {
  return output.ndim() == 1 || (output.ndim() == 2 && output.size(1) == 1);
}

// Predicted classes: argmax over [N, C] scores (first maximum on ties), or
// (p >= threshold) for binary probabilities [N] / [N, 1].
std::vector<int64_t> predictions(const Tensor& output, double threshold, const char* op) {
  std::vector<double> v = to_doubles(output);
  if (is_binary_output(output)) {
    std::vector<int64_t> pred(v.size());
    for (size_t i = 0; i < v.size(); ++i) pred[i] = v[i] >= threshold ? 1 : 0;
    return pred;
  }
  NABLA_CHECK(output.ndim() == 2, op, "expected scores [N, C] or probabilities [N], got shape ",
              shape_str(output.shape()));
  const int64_t n = output.size(0), c = output.size(1);
  std::vector<int64_t> pred(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double* row = v.data() + i * c;
    pred[static_cast<size_t>(i)] = std::max_element(row, row + c) - row;
  }
  return pred;
}

void check_batch(const Tensor& output, const Tensor& target, const char* op) {
  NABLA_CHECK(output.defined() && target.defined(), op, "output and target must be defined tensors");
  NABLA_CHECK(output.ndim() >= 1 && target.numel() == output.size(0), op, "output ", shape_str(output.shape()),
              " and target ", shape_str(target.shape()), " disagree on the batch size");
}

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }
double f1_of(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

// A state vector must have the length its metric's state() gives.
void check_state_size(const std::vector<double>& state, size_t expected, const std::string& metric) {
  NABLA_CHECK(state.size() == expected, metric + "::set_state", "expected ", expected, " numbers, got ", state.size(),
              " (a state saved by a different metric or configuration?)");
}

}  // namespace

std::vector<double> counts_state(int64_t correct, int64_t total) {
  return {static_cast<double>(correct), static_cast<double>(total)};
}

void set_counts_state(const std::vector<double>& state, const std::string& metric, int64_t& correct, int64_t& total) {
  check_state_size(state, 2, metric);
  correct = static_cast<int64_t>(state[0]);
  total = static_cast<int64_t>(state[1]);
}

// ---- Accuracy ------------------------------------------------------------------
double Accuracy::update(const Tensor& output, const Tensor& target) {
  check_batch(output, target, "Accuracy.update");
  std::vector<int64_t> pred = predictions(output, threshold_, "Accuracy.update");
  const int64_t num_classes = is_binary_output(output) ? 2 : output.size(1);
  std::vector<int64_t> truth = to_classes(target, num_classes, "Accuracy.update");
  int64_t correct = 0;
  for (size_t i = 0; i < pred.size(); ++i) correct += pred[i] == truth[i];
  correct_ += correct;
  total_ += static_cast<int64_t>(pred.size());
  return pred.empty() ? kNaN : static_cast<double>(correct) / static_cast<double>(pred.size());
}

double Accuracy::compute() const { return total_ ? static_cast<double>(correct_) / static_cast<double>(total_) : kNaN; }

// ---- TopKAccuracy ----------------------------------------------------------------
TopKAccuracy::TopKAccuracy(int64_t k) : k_(k) { NABLA_CHECK(k >= 1, "TopKAccuracy", "k must be >= 1, got ", k); }

double TopKAccuracy::update(const Tensor& output, const Tensor& target) {
  check_batch(output, target, "TopKAccuracy.update");
  NABLA_CHECK(output.ndim() == 2, "TopKAccuracy.update", "expected scores [N, C], got shape ",
              shape_str(output.shape()));
  const int64_t n = output.size(0), c = output.size(1);
  std::vector<double> v = to_doubles(output);
  std::vector<int64_t> truth = to_classes(target, c, "TopKAccuracy.update");
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double* row = v.data() + i * c;
    const double s = row[truth[static_cast<size_t>(i)]];
    // The target's rank: how many classes score strictly higher.
    const int64_t rank = std::count_if(row, row + c, [s](double x) { return x > s; });
    correct += rank < k_;
  }
  correct_ += correct;
  total_ += n;
  return n ? static_cast<double>(correct) / static_cast<double>(n) : kNaN;
}

double TopKAccuracy::compute() const {
  return total_ ? static_cast<double>(correct_) / static_cast<double>(total_) : kNaN;
}

// ---- ConfusionMatrix -------------------------------------------------------------
ConfusionMatrix::ConfusionMatrix(int64_t num_classes, double threshold)
    : num_classes_(num_classes), threshold_(threshold) {
  NABLA_CHECK(num_classes >= 2, "ConfusionMatrix", "num_classes must be >= 2, got ", num_classes);
  counts_.assign(static_cast<size_t>(num_classes * num_classes), 0);
}

void ConfusionMatrix::reset() { std::fill(counts_.begin(), counts_.end(), 0); }

std::vector<double> ConfusionMatrix::state() const { return std::vector<double>(counts_.begin(), counts_.end()); }

void ConfusionMatrix::set_state(const std::vector<double>& state) {
  check_state_size(state, counts_.size(), "ConfusionMatrix");
  for (size_t i = 0; i < state.size(); ++i) counts_[i] = static_cast<int64_t>(state[i]);
}

void ConfusionMatrix::update_indices(const Tensor& predicted, const Tensor& target) {
  NABLA_CHECK(predicted.numel() == target.numel(), "ConfusionMatrix.update_indices", "predicted ",
              shape_str(predicted.shape()), " and target ", shape_str(target.shape()), " differ in size");
  std::vector<int64_t> pred = to_classes(predicted, num_classes_, "ConfusionMatrix.update_indices");
  std::vector<int64_t> truth = to_classes(target, num_classes_, "ConfusionMatrix.update_indices");
  for (size_t i = 0; i < pred.size(); ++i) counts_[static_cast<size_t>(truth[i] * num_classes_ + pred[i])]++;
}

double ConfusionMatrix::update(const Tensor& output, const Tensor& target) {
  check_batch(output, target, "ConfusionMatrix.update");
  if (is_binary_output(output)) {
    NABLA_CHECK(num_classes_ == 2, "ConfusionMatrix.update", "binary probabilities ", shape_str(output.shape()),
                " need num_classes == 2, have ", num_classes_);
  } else {
    NABLA_CHECK(output.ndim() == 2 && output.size(1) == num_classes_, "ConfusionMatrix.update", "expected scores [N, ",
                num_classes_, "], got shape ", shape_str(output.shape()));
  }
  std::vector<int64_t> pred = predictions(output, threshold_, "ConfusionMatrix.update");
  std::vector<int64_t> truth = to_classes(target, num_classes_, "ConfusionMatrix.update");
  // The batch value is macro F1 of a matrix holding this batch alone.
  ConfusionMatrix batch(num_classes_, threshold_);
  for (size_t i = 0; i < pred.size(); ++i) {
    const size_t cell = static_cast<size_t>(truth[i] * num_classes_ + pred[i]);
    counts_[cell]++;
    batch.counts_[cell]++;
  }
  return batch.compute();
}

int64_t ConfusionMatrix::total() const { return std::accumulate(counts_.begin(), counts_.end(), int64_t{0}); }

Tensor ConfusionMatrix::matrix() const { return from_vector(counts_, {num_classes_, num_classes_}); }

double ConfusionMatrix::accuracy() const {
  const int64_t n = total();
  if (!n) return kNaN;
  int64_t diag = 0;
  for (int64_t c = 0; c < num_classes_; ++c) diag += count(c, c);
  return static_cast<double>(diag) / static_cast<double>(n);
}

namespace {
// Per-class TP, FP, FN and whether the class occurs in targets or predictions.
struct ClassCounts {
  std::vector<double> tp, fp, fn;
  std::vector<bool> present;
};
ClassCounts class_counts(const ConfusionMatrix& cm) {
  const int64_t n = cm.num_classes();
  ClassCounts k{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n), std::vector<bool>(n)};
  for (int64_t t = 0; t < n; ++t)
    for (int64_t p = 0; p < n; ++p) {
      const double v = static_cast<double>(cm.count(t, p));
      if (t == p)
        k.tp[t] += v;
      else {
        k.fn[t] += v;  // a true t predicted as p
        k.fp[p] += v;  // predicted p, truly t
      }
    }
  for (int64_t c = 0; c < n; ++c) k.present[c] = k.tp[c] + k.fp[c] + k.fn[c] > 0;
  return k;
}
double macro_mean(const std::vector<double>& per_class, const std::vector<bool>& present) {
  double sum = 0;
  int64_t n = 0;
  for (size_t c = 0; c < per_class.size(); ++c)
    if (present[c]) {
      sum += per_class[c];
      ++n;
    }
  return n ? sum / static_cast<double>(n) : kNaN;
}
double sum_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
}  // namespace

std::vector<double> ConfusionMatrix::precision_per_class() const {
  ClassCounts k = class_counts(*this);
  std::vector<double> out(k.tp.size());
  for (size_t c = 0; c < out.size(); ++c) out[c] = ratio(k.tp[c], k.tp[c] + k.fp[c]);
  return out;
}

std::vector<double> ConfusionMatrix::recall_per_class() const {
  ClassCounts k = class_counts(*this);
  std::vector<double> out(k.tp.size());
  for (size_t c = 0; c < out.size(); ++c) out[c] = ratio(k.tp[c], k.tp[c] + k.fn[c]);
  return out;
}

std::vector<double> ConfusionMatrix::f1_per_class() const {
  std::vector<double> p = precision_per_class(), r = recall_per_class(), out(p.size());
  for (size_t c = 0; c < out.size(); ++c) out[c] = f1_of(p[c], r[c]);
  return out;
}

double ConfusionMatrix::precision(Average average) const {
  if (!total()) return kNaN;
  ClassCounts k = class_counts(*this);
  if (average == Average::Micro) return ratio(sum_of(k.tp), sum_of(k.tp) + sum_of(k.fp));
  return macro_mean(precision_per_class(), k.present);
}

double ConfusionMatrix::recall(Average average) const {
  if (!total()) return kNaN;
  ClassCounts k = class_counts(*this);
  if (average == Average::Micro) return ratio(sum_of(k.tp), sum_of(k.tp) + sum_of(k.fn));
  return macro_mean(recall_per_class(), k.present);
}

double ConfusionMatrix::f1(Average average) const {
  if (!total()) return kNaN;
  if (average == Average::Micro) return f1_of(precision(Average::Micro), recall(Average::Micro));
  return macro_mean(f1_per_class(), class_counts(*this).present);
}

std::map<std::string, double> ConfusionMatrix::compute_all() const {
  return {{"accuracy", accuracy()},
          {"precision_macro", precision(Average::Macro)},
          {"recall_macro", recall(Average::Macro)},
          {"f1_macro", f1(Average::Macro)},
          {"precision_micro", precision(Average::Micro)},
          {"recall_micro", recall(Average::Micro)},
          {"f1_micro", f1(Average::Micro)}};
}

// ---- regression ----------------------------------------------------------------
namespace {
// Output and target values, checked to have the same number of elements.
void regression_values(const Tensor& output, const Tensor& target, const char* op, std::vector<double>& y,
                       std::vector<double>& t) {
  NABLA_CHECK(output.defined() && target.defined(), op, "output and target must be defined tensors");
  NABLA_CHECK(output.numel() == target.numel(), op, "output ", shape_str(output.shape()), " and target ",
              shape_str(target.shape()), " differ in size");
  y = to_doubles(output);
  t = to_doubles(target);
}
}  // namespace

double ElementwiseErrorMean::update(const Tensor& output, const Tensor& target) {
  std::vector<double> y, t;
  std::string op = name() + ".update";  // "MAE.update": the class name, as errors elsewhere
  std::transform(op.begin(), op.begin() + static_cast<std::ptrdiff_t>(name().size()), op.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  regression_values(output, target, op.c_str(), y, t);
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += error(y[i], t[i]);
  sum_ += s;
  n_ += static_cast<int64_t>(y.size());
  return y.empty() ? kNaN : s / static_cast<double>(y.size());
}

double ElementwiseErrorMean::compute() const { return n_ ? sum_ / static_cast<double>(n_) : kNaN; }

void ElementwiseErrorMean::set_state(const std::vector<double>& state) {
  check_state_size(state, 2, name());
  sum_ = state[0];
  n_ = static_cast<int64_t>(state[1]);
}

void R2::reset() {
  n_ = 0;
  ss_res_ = mean_ = m2_ = 0;
}

void R2::set_state(const std::vector<double>& state) {
  check_state_size(state, 4, "R2");
  n_ = static_cast<int64_t>(state[0]);
  ss_res_ = state[1];
  mean_ = state[2];
  m2_ = state[3];
}

namespace {
double r2_of(double ss_res, double ss_tot) {
  if (ss_tot > 0) return 1 - ss_res / ss_tot;
  return ss_res == 0 ? 1.0 : 0.0;
}
}  // namespace

double R2::update(const Tensor& output, const Tensor& target) {
  std::vector<double> y, t;
  regression_values(output, target, "R2.update", y, t);
  if (y.empty()) return kNaN;
  // This batch's (n, mean, M2, SS_res), two passes for accuracy.
  const double nb = static_cast<double>(t.size());
  double mean_b = std::accumulate(t.begin(), t.end(), 0.0) / nb, m2_b = 0, ss_res_b = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    m2_b += (t[i] - mean_b) * (t[i] - mean_b);
    ss_res_b += (t[i] - y[i]) * (t[i] - y[i]);
  }
  // Chan et al.: merge (n_a, mean_a, M2_a) with (n_b, mean_b, M2_b).
  const double na = static_cast<double>(n_), n = na + nb, delta = mean_b - mean_;
  m2_ += m2_b + delta * delta * na * nb / n;
  mean_ += delta * nb / n;
  n_ += static_cast<int64_t>(t.size());
  ss_res_ += ss_res_b;
  return r2_of(ss_res_b, m2_b);
}

double R2::compute() const { return n_ ? r2_of(ss_res_, m2_) : kNaN; }

// ---- best_threshold --------------------------------------------------------------
ThresholdResult best_threshold(const Tensor& probs, const Tensor& targets, ThresholdMetric metric) {
  NABLA_CHECK(probs.defined() && targets.defined() && probs.numel() == targets.numel() && probs.numel() > 0,
              "best_threshold", "expected non-empty probs and targets of the same size, got ",
              probs.defined() ? shape_str(probs.shape()) : "undefined", " and ",
              targets.defined() ? shape_str(targets.shape()) : "undefined");
  std::vector<double> p = to_doubles(probs);
  std::vector<int64_t> y = to_classes(targets, 2, "best_threshold");
  // Highest probability first; lowering the threshold past each unique value
  // turns that group of samples into predicted positives.
  std::vector<size_t> order(p.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&p](size_t a, size_t b) { return p[a] > p[b]; });
  const double pos = static_cast<double>(std::count(y.begin(), y.end(), int64_t{1}));
  const double neg = static_cast<double>(y.size()) - pos;
  double tp = 0, fp = 0;
  ThresholdResult best{kNaN, -std::numeric_limits<double>::infinity()};
  for (size_t i = 0; i < order.size();) {
    const double t = p[order[i]];
    for (; i < order.size() && p[order[i]] == t; ++i) (y[order[i]] ? tp : fp) += 1;
    const double fn = pos - tp, tn = neg - fp;
    double value = 0;
    switch (metric) {
      case ThresholdMetric::F1:
        value = ratio(2 * tp, 2 * tp + fp + fn);
        break;
      case ThresholdMetric::Accuracy:
        value = (tp + tn) / static_cast<double>(p.size());
        break;
      case ThresholdMetric::BalancedAccuracy:
        value = (ratio(tp, tp + fn) + ratio(tn, tn + fp)) / 2;
        break;
    }
    if (value > best.value) best = {t, value};  // strict: ties keep the higher threshold
  }
  return best;
}

}  // namespace nabla::trainer
