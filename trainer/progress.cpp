#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

namespace nabla::trainer {

namespace {
constexpr int kBarWidth = 24;           // characters of the [####....] bar
constexpr double kRedrawSeconds = 0.1;  // at most ~10 redraws a second

double seconds_between(ProgressBar::Clock::time_point a, ProgressBar::Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::string format_number(double v) {
  char buf[32];
  // Losses and accuracies read best with 4 decimals; big counts without.
  if (std::fabs(v) >= 1000 || v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.6g", v);
  else
    std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}
}  // namespace

ProgressBar::ProgressBar(std::ostream& out, bool interactive) : out_(out), interactive_(interactive) {}

bool ProgressBar::stdout_is_terminal() { return isatty(fileno(stdout)) == 1; }

std::string ProgressBar::format_duration(double seconds) {
  const int64_t s = static_cast<int64_t>(std::max(0.0, std::round(seconds)));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

std::string ProgressBar::format_metrics(const Metrics& metrics) {
  std::string s;
  for (const auto& [name, value] : metrics) s += "  " + name + " " + format_number(value);
  return s;
}

void ProgressBar::start_epoch(int64_t epoch, int64_t num_epochs, int64_t steps_in_epoch, int64_t already_done) {
  epoch_ = epoch;
  num_epochs_ = num_epochs;
  steps_ = steps_in_epoch;
  done_ = first_ = already_done;
  start_ = now_();
  last_draw_ = start_ - std::chrono::hours(1);  // the first update draws
  last_width_ = 0;
}

std::string ProgressBar::bar_line(int64_t done, const Metrics& metrics, double elapsed) const {
  std::ostringstream os;
  os << "epoch " << epoch_ << "/" << num_epochs_ << "  [";
  const double frac = steps_ > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(steps_)) : 1.0;
  const int filled = static_cast<int>(frac * kBarWidth);
  os << std::string(filled, '#') << std::string(kBarWidth - filled, '.') << "]  " << done << "/" << steps_;
  char pct[16];
  std::snprintf(pct, sizeof pct, "  %.1f%%", 100.0 * frac);
  os << pct;
  const double rate = elapsed > 0 ? static_cast<double>(done - first_) / elapsed : 0.0;
  os << "  " << format_number(std::round(rate)) << " it/s";
  if (rate > 0) os << "  ETA " << format_duration(static_cast<double>(steps_ - done) / rate);
  os << format_metrics(metrics);
  return os.str();
}

bool ProgressBar::will_draw(int64_t done) const {
  return interactive_ && (done >= steps_ || seconds_between(last_draw_, now_()) >= kRedrawSeconds);
}

void ProgressBar::update(int64_t done, const Metrics& metrics) {
  done_ = done;
  if (!will_draw(done)) return;
  const Clock::time_point now = now_();
  last_draw_ = now;
  std::string line = bar_line(done, metrics, seconds_between(start_, now));
  // Pad over what a longer previous line left behind.
  const size_t width = line.size();
  if (width < last_width_) line.append(last_width_ - width, ' ');
  last_width_ = width;
  out_ << '\r' << line << std::flush;
}

void ProgressBar::end_epoch(const Metrics& metrics) {
  const double elapsed = seconds_between(start_, now_());
  if (interactive_) {
    std::string line = bar_line(done_, metrics, elapsed);
    if (line.size() < last_width_) line.append(last_width_ - line.size(), ' ');
    out_ << '\r' << line << '\n' << std::flush;
    return;
  }
  char head[96];
  std::snprintf(head, sizeof head, "epoch %lld/%lld  %lld steps in %.1f s (%s it/s)", static_cast<long long>(epoch_),
                static_cast<long long>(num_epochs_), static_cast<long long>(done_ - first_), elapsed,
                format_number(std::round(elapsed > 0 ? static_cast<double>(done_ - first_) / elapsed : 0.0)).c_str());
  out_ << head << format_metrics(metrics) << '\n' << std::flush;
}

}  // namespace nabla::trainer
