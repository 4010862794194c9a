// Monitor: "is this value of a metric better than the best so far?", the
// question ModelCheckpoint and EarlyStopping both ask.
//
//   mode "min" (losses, errors):   better when value < best - min_delta
//   mode "max" (accuracy, F1):     better when value > best + min_delta
// A NaN value is never better; the first finite value always is.
#pragma once
#include <map>
#include <optional>
#include <string>

namespace nabla::trainer {

struct Monitor {
  Monitor(std::string metric, std::string mode, double min_delta = 0.0);
  bool is_better(double value, double best) const;
  // The starting best: +inf for "min", -inf for "max".
  double worst() const;
  // The metric's value among an epoch's metrics. Absent: nothing when its
  // group ("val" of "val/loss") is absent too (no validation this epoch),
  // else an Error listing the names there are (a misspelt name).
  std::optional<double> value_in(const std::map<std::string, double>& metrics) const;

  std::string metric;  // a trainer metric name: "val/loss", "val/accuracy", "train/loss"
  std::string mode;
  double min_delta;
};

}  // namespace nabla::trainer
