// The progress bar: a redrawn line on a terminal, one line per epoch elsewhere.
#include <nabla/trainer/progress.h>
#include <catch2/catch.hpp>

#include <sstream>

using nabla::trainer::ProgressBar;

namespace {
// A clock the test moves: each test sets `fake_now` before calling.
ProgressBar::Clock::time_point fake_now;
ProgressBar::Clock::time_point now() { return fake_now; }
void advance(double seconds) {
  fake_now += std::chrono::duration_cast<ProgressBar::Clock::duration>(std::chrono::duration<double>(seconds));
}
}  // namespace

TEST_CASE("ProgressBar: one line per epoch when not a terminal", "[trainer][progress]") {
  std::ostringstream out;
  ProgressBar bar(out, /*interactive=*/false);
  bar.set_clock_for_testing(&now);
  bar.start_epoch(2, 5, 100);
  for (int s = 1; s <= 100; ++s) {
    advance(0.01);
    bar.update(s, {{"loss", 0.5}});
  }
  bar.end_epoch({{"loss", 0.41234}, {"val_acc", 0.85}});
  CHECK(out.str() == "epoch 2/5  100 steps in 1.0 s (100 it/s)  loss 0.4123  val_acc 0.8500\n");
}

TEST_CASE("ProgressBar: a resumed epoch counts its earlier steps in the bar, not in the rate", "[trainer][progress]") {
  std::ostringstream out;
  ProgressBar bar(out, /*interactive=*/false);
  bar.set_clock_for_testing(&now);
  bar.start_epoch(3, 5, 100, /*already_done=*/60);
  for (int s = 61; s <= 100; ++s) {
    advance(0.05);
    bar.update(s, {});
  }
  bar.end_epoch({});
  CHECK(out.str() == "epoch 3/5  40 steps in 2.0 s (20 it/s)\n");
}

TEST_CASE("ProgressBar: a redrawn line with rate, ETA and metrics on a terminal", "[trainer][progress]") {
  std::ostringstream out;
  ProgressBar bar(out, /*interactive=*/true);
  bar.set_clock_for_testing(&now);
  bar.start_epoch(1, 3, 200);
  advance(1.0);
  bar.update(50, {{"loss", 1.25}});  // draws: first update
  advance(0.01);
  bar.update(51, {{"loss", 1.2}});  // rate-limited: not drawn
  std::string s = out.str();
  CHECK(s == "\repoch 1/3  [######..................]  50/200  25.0%  50 it/s  ETA 0:03  loss 1.2500");
  advance(3.0);
  bar.update(200, {{"loss", 0.9}});  // the last step always draws
  bar.end_epoch({{"loss", 0.9}});
  CHECK(out.str().back() == '\n');
  CHECK(out.str().find("200/200  100.0%") != std::string::npos);
}

TEST_CASE("ProgressBar: durations", "[trainer][progress]") {
  CHECK(ProgressBar::format_duration(0) == "0:00");
  CHECK(ProgressBar::format_duration(61.4) == "1:01");
  CHECK(ProgressBar::format_duration(3723) == "1:02:03");
}
