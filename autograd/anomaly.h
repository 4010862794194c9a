// Anomaly detection: find the op that made the first NaN or Inf.
//
//   autograd::DetectAnomalyGuard guard;   // or set_detect_anomaly(true)
//   Tensor loss = model(x) ...;           // Error: "anomaly: log produced nan ..."
//   loss.backward();                      // Error: "anomaly: the backward of div produced inf ..."
//
// When on, every differentiable op checks its output as it is recorded, and
// the engine checks every gradient a backward closure returns; the first
// non-finite value is an Error naming the op, the shape and where in the
// tensor it is. A NaN loss then points at its cause instead of at the loss.
// Off by default: the checks read every element (a pass over each output).
#pragma once
#include "../tensor/tensor.h"

namespace nabla::autograd {

void set_detect_anomaly(bool on);
bool detect_anomaly();

class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : prev_(detect_anomaly()) { set_detect_anomaly(true); }
  ~DetectAnomalyGuard() { set_detect_anomaly(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

namespace detail {
// The flag record() reads on every op: a plain global, set rarely.
extern bool anomaly_enabled;
// The node whose backward closure is running on this thread (or null), so
// an anomaly inside a backward names the op it belongs to.
extern thread_local const char* running_backward;
// Throws when a floating tensor holds a NaN or Inf; `what` says whose.
void check_finite(const Tensor& t, const char* op, const char* what);
}  // namespace detail

}  // namespace nabla::autograd
