// Streaming metrics: each one accumulates counts or sums over the batches of
// an epoch, so the epoch value is exact (not a mean of batch means).
//
//   trainer::Accuracy acc;
//   for (auto& [x, y] : batches) {
//     Tensor logits = model(x);
//     double batch_acc = acc.update(logits, y);   // this batch alone
//   }
//   double epoch_acc = acc.compute();              // all batches so far
//   acc.reset();                                   // next epoch
//
// The common interface (class Metric):
//   update(output, target) -> double   adds a batch, returns the metric on that batch alone
//   compute() -> double                the headline value over every batch since reset()
//   compute_all() -> map<name, value>  every value the metric knows (ConfusionMatrix: many)
//   reset()                            forgets everything
//   name()                             "accuracy", "top3_accuracy", "f1_macro", "mae", ...
//
// Inputs may be of any dtype and device and may require grad: they are
// detached and copied to contiguous float64 CPU data under NoGradGuard, then
// counted with plain loops (the numbers are small; clarity wins).
//
// Formulas (N samples, C classes, TP/FP/FN per class c):
//   accuracy        = #(prediction == target) / N
//     logits [N, C] (C > 1): prediction = argmax_c logits[n, c] (first on ties)
//     probabilities [N] or [N, 1]: prediction = (p >= threshold), target 0/1
//   top-k accuracy  = #(target among the k highest scores) / N
//                     rank(target) = #{c : score_c > score_target} < k (ties favour the target)
//   precision_c     = TP_c / (TP_c + FP_c)      (0 when nothing was predicted c)
//   recall_c        = TP_c / (TP_c + FN_c)      (0 when c never occurs)
//   f1_c            = 2 P_c R_c / (P_c + R_c)   (0 when P_c + R_c = 0)
//   macro average   = mean over the classes present in the targets or the
//                     predictions (classes seen in neither carry no
//                     information and are left out, as scikit-learn does
//                     when it is given no explicit label list)
//   micro average   = the same formula on TP, FP, FN summed over classes;
//                     for single-label multiclass data micro P = R = F1 = accuracy
//   MAE             = sum |y - t| / n           (n = every element, pooled)
//   MSE             = sum (y - t)^2 / n
//   R2              = 1 - SS_res / SS_tot,  SS_res = sum (t - y)^2,  SS_tot = sum (t - mean t)^2
//                     (SS_tot = 0: 1 when SS_res = 0, else 0, as scikit-learn's force_finite)
// An empty metric (no samples) computes NaN.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "../tensor/tensor.h"

namespace nabla::trainer {

class Metric {
 public:
  virtual ~Metric() = default;
  virtual std::string name() const = 0;
  // Adds one batch; returns the metric computed on this batch alone.
  virtual double update(const Tensor& output, const Tensor& target) = 0;
  // The metric over every batch since the last reset().
  virtual double compute() const = 0;
  // Every named value; by default {name(): compute()}.
  virtual std::map<std::string, double> compute_all() const { return {{name(), compute()}}; }
  virtual void reset() = 0;

  // What update() has accumulated (counts, sums) as numbers, and back: a
  // checkpoint taken mid-epoch saves it so the resumed epoch's metric is the
  // one an uninterrupted run computes. Counts are exact as doubles up to 2^53.
  virtual std::vector<double> state() const = 0;
  // Restores state(); a vector of the wrong length is an Error.
  virtual void set_state(const std::vector<double>& state) = 0;
};

// (correct, total) as a state vector, shared by the two accuracies.
std::vector<double> counts_state(int64_t correct, int64_t total);
void set_counts_state(const std::vector<double>& state, const std::string& metric, int64_t& correct, int64_t& total);

// Fraction of correct predictions, from logits/scores [N, C] and int64
// targets [N], or from binary probabilities [N] (or [N, 1]) and 0/1 targets
// with `threshold`.
class Accuracy : public Metric {
 public:
  explicit Accuracy(double threshold = 0.5) : threshold_(threshold) {}
  std::string name() const override { return "accuracy"; }
  double update(const Tensor& output, const Tensor& target) override;
  double compute() const override;
  void reset() override { correct_ = total_ = 0; }
  std::vector<double> state() const override { return counts_state(correct_, total_); }
  void set_state(const std::vector<double>& s) override { set_counts_state(s, name(), correct_, total_); }
  int64_t correct() const { return correct_; }
  int64_t total() const { return total_; }

 private:
  double threshold_;
  int64_t correct_ = 0, total_ = 0;
};

// Fraction of samples whose target is among the k highest scores [N, C].
class TopKAccuracy : public Metric {
 public:
  explicit TopKAccuracy(int64_t k);
  std::string name() const override { return "top" + std::to_string(k_) + "_accuracy"; }
  double update(const Tensor& output, const Tensor& target) override;
  double compute() const override;
  void reset() override { correct_ = total_ = 0; }
  std::vector<double> state() const override { return counts_state(correct_, total_); }
  void set_state(const std::vector<double>& s) override { set_counts_state(s, name(), correct_, total_); }

 private:
  int64_t k_;
  int64_t correct_ = 0, total_ = 0;
};

enum class Average { Macro, Micro };

// Counts[true class][predicted class], from logits [N, C] + int64 targets
// [N], or (num_classes == 2) binary probabilities [N] + 0/1 targets with
// `threshold`. compute() is macro F1; compute_all() gives accuracy and
// precision/recall/f1 with _macro and _micro suffixes.
class ConfusionMatrix : public Metric {
 public:
  explicit ConfusionMatrix(int64_t num_classes, double threshold = 0.5);
  std::string name() const override { return "f1_macro"; }
  double update(const Tensor& output, const Tensor& target) override;
  double compute() const override { return f1(Average::Macro); }
  std::map<std::string, double> compute_all() const override;
  void reset() override;
  std::vector<double> state() const override;  // the C² counts, row-major
  void set_state(const std::vector<double>& state) override;

  // Adds predicted class indices directly (both [N] integer tensors).
  void update_indices(const Tensor& predicted, const Tensor& target);

  int64_t num_classes() const { return num_classes_; }
  int64_t count(int64_t true_class, int64_t predicted_class) const {
    return counts_[static_cast<size_t>(true_class * num_classes_ + predicted_class)];
  }
  int64_t total() const;
  // [C, C] int64, rows = true class, columns = predicted class.
  Tensor matrix() const;

  double accuracy() const;
  double precision(Average average = Average::Macro) const;
  double recall(Average average = Average::Macro) const;
  double f1(Average average = Average::Macro) const;
  // Per class (0 where undefined, see the formulas above).
  std::vector<double> precision_per_class() const;
  std::vector<double> recall_per_class() const;
  std::vector<double> f1_per_class() const;

 private:
  int64_t num_classes_;
  double threshold_;
  std::vector<int64_t> counts_;  // row-major [true][predicted]
};

// The mean of a per-element error over every element (output and target of
// one shape): MAE and MSE differ only in that error.
class ElementwiseErrorMean : public Metric {
 public:
  double update(const Tensor& output, const Tensor& target) override;
  double compute() const override;
  void reset() override {
    sum_ = 0;
    n_ = 0;
  }
  std::vector<double> state() const override { return {sum_, static_cast<double>(n_)}; }
  void set_state(const std::vector<double>& state) override;

 protected:
  virtual double error(double output, double target) const = 0;

 private:
  double sum_ = 0;
  int64_t n_ = 0;
};

// Mean absolute error: mean |y - t|.
class MAE : public ElementwiseErrorMean {
 public:
  std::string name() const override { return "mae"; }

 protected:
  double error(double y, double t) const override { return y > t ? y - t : t - y; }
};

// Mean squared error: mean (y - t)².
class MSE : public ElementwiseErrorMean {
 public:
  std::string name() const override { return "mse"; }

 protected:
  double error(double y, double t) const override { return (y - t) * (y - t); }
};

// Coefficient of determination over every element. SS_tot is accumulated
// with Chan's parallel update of (count, mean, M2) so it stays accurate when
// the targets have a large mean.
class R2 : public Metric {
 public:
  std::string name() const override { return "r2"; }
  double update(const Tensor& output, const Tensor& target) override;
  double compute() const override;
  void reset() override;
  std::vector<double> state() const override { return {static_cast<double>(n_), ss_res_, mean_, m2_}; }
  void set_state(const std::vector<double>& state) override;

 private:
  int64_t n_ = 0;
  double ss_res_ = 0, mean_ = 0, m2_ = 0;  // m2_ = sum (t - mean)^2
};

// ---- binary threshold calibration --------------------------------------------
enum class ThresholdMetric { F1, Accuracy, BalancedAccuracy };

struct ThresholdResult {
  double threshold;  // predict positive when p >= threshold
  double value;      // the metric at that threshold
};

// Scans the candidate thresholds - the sorted unique values of `probs` - and
// returns the one maximising `metric` for predictions (p >= t) against the
// 0/1 `targets` (same number of elements). Ties go to the highest threshold.
//   balanced accuracy = (TP / (TP + FN) + TN / (TN + FP)) / 2
// O(N log N): one sort, then one sweep from the highest threshold down.
ThresholdResult best_threshold(const Tensor& probs, const Tensor& targets,
                               ThresholdMetric metric = ThresholdMetric::F1);

}  // namespace nabla::trainer
