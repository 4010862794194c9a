// ProgressBar: what a training run shows while it works.
//
// On a terminal (stdout is a TTY) one line redraws in place:
//   epoch 2/5  [#########.........]  1043/1875  55.6%  812 it/s  ETA 0:01  loss 0.4123  acc 0.8512
// Elsewhere (CI logs, a file) redrawing would print thousands of lines, so
// only the end of each epoch is printed, one line:
//   epoch 2/5  1875 steps in 2.3 s (812 it/s)  loss 0.4123  acc 0.8512
//
// The bar rate-limits itself (at most ~10 redraws a second), so calling
// update() on every step costs next to nothing.
#pragma once
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace nabla::trainer {

class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;
  using Metrics = std::vector<std::pair<std::string, double>>;

  // interactive: redraw one line (a TTY); otherwise one line per epoch.
  // By default, interactive when stdout is a terminal.
  explicit ProgressBar(std::ostream& out, bool interactive);
  static bool stdout_is_terminal();

  // `epoch` as people count: 1 for the first. `already_done` steps of it
  // ran before (a resumed epoch): they count in the bar, not in the rate.
  void start_epoch(int64_t epoch, int64_t num_epochs, int64_t steps_in_epoch, int64_t already_done = 0);
  // After step `done` (1-based) of the epoch, with the running metrics.
  void update(int64_t done, const Metrics& metrics);
  // Whether update(done, ...) would redraw now: a caller can skip
  // computing the metrics for the updates that only count.
  bool will_draw(int64_t done) const;
  // Ends the epoch line with the epoch's metrics (train and validation).
  void end_epoch(const Metrics& metrics);

  // For tests: a clock that the test moves.
  void set_clock_for_testing(Clock::time_point (*now)()) { now_ = now; }

  // "1:02:03" / "2:03" (h:mm:ss when an hour or more).
  static std::string format_duration(double seconds);
  static std::string format_metrics(const Metrics& metrics);

 private:
  std::string bar_line(int64_t done, const Metrics& metrics, double elapsed) const;

  std::ostream& out_;
  bool interactive_;
  int64_t epoch_ = 0, num_epochs_ = 0, steps_ = 0, done_ = 0, first_ = 0;
  Clock::time_point start_, last_draw_;
  Clock::time_point (*now_)() = &Clock::now;
  size_t last_width_ = 0;
};

}  // namespace nabla::trainer
