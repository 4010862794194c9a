// Writes an HTML training report that uses every feature of
// trainer/report.h, for tests/trainer/check_report_chromium.sh to render in
// headless Chromium:
//   - two per-step series (train/loss, many points: no markers; and
//     train/grad_norm, the step_series that has no epoch chart to join);
//   - a learning-rate schedule (warm-up then cosine decay);
//   - epoch charts: "accuracy" (train, val), "loss" (train epoch mean, val),
//     "f1_macro" (val, with a NaN left out) and "throughput" (a name without '/');
//   - a run configuration and class names with characters that need escaping;
//   - a 4x4 confusion matrix.
//
//   write_sample_report OUT.html
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>

#include <nabla/nabla.h>

using namespace nabla;

namespace {

constexpr int64_t kEpochs = 8;          // epoch charts get 8 points (marked)
constexpr int64_t kStepsPerEpoch = 25;  // 200 steps: the step charts are unmarked
constexpr double kPeakLr = 3e-3;        // after a warm-up of one epoch

trainer::MetricsLog sample_run() {
  trainer::MetricsLog log;
  const double pi = std::acos(-1.0);
  const int64_t total = kEpochs * kStepsPerEpoch;
  for (int64_t step = 1; step <= total; ++step) {
    const int64_t epoch = (step - 1) / kStepsPerEpoch;
    const double t = static_cast<double>(step) / static_cast<double>(total);
    // A decaying loss with a deterministic wiggle, like minibatch noise.
    const double loss = 2.3 * std::exp(-3.0 * t) + 0.15 + 0.08 * std::sin(0.9 * static_cast<double>(step));
    log.log("train/loss", loss, step, epoch);
    log.log("train/grad_norm", 4.0 * std::exp(-2.0 * t) + 0.5 + 0.3 * std::cos(1.3 * static_cast<double>(step)), step,
            epoch);
    const double lr = step <= kStepsPerEpoch ? kPeakLr * static_cast<double>(step) / kStepsPerEpoch
                                             : 0.5 * kPeakLr *
                                                   (1 + std::cos(pi * static_cast<double>(step - kStepsPerEpoch) /
                                                                 static_cast<double>(total - kStepsPerEpoch)));
    log.log("lr", lr, step, epoch);
    if (step % kStepsPerEpoch == 0) {
      const double e = static_cast<double>(epoch);
      log.log({{"accuracy", 0.95 - 0.55 * std::exp(-0.6 * e)}}, step, epoch, "train/");
      log.log({{"accuracy", 0.88 - 0.5 * std::exp(-0.7 * e)}, {"loss", 0.35 + 1.6 * std::exp(-0.5 * e)}}, step, epoch,
              "val/");
      // One NaN (an epoch where F1 was undefined) is left out of the chart.
      log.log("val/f1_macro", epoch == 2 ? std::numeric_limits<double>::quiet_NaN() : 0.85 - 0.5 * std::exp(-0.6 * e),
              step, epoch);
      log.log("throughput", 1800.0 + 40.0 * e, step, epoch);
    }
  }
  return log;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.html\n", argv[0]);
    return 2;
  }
  try {
    trainer::ReportConfig cfg;
    cfg.title = "Sample report <check> & \"render\"";
    cfg.run_config = {{"model", "MLP 784-256-10"},
                      {"optimizer", "Adam(lr=3e-3, betas=(0.9, 0.999))"},
                      {"schedule", "warm-up 1 epoch -> cosine"},
                      {"note", "<script>alert('not run')</script> & <b>not bold</b>"},
                      {"epochs", std::to_string(kEpochs)}};
    cfg.step_series = {"train/loss", "train/grad_norm"};
    cfg.confusion_matrix = tensor({{50, 3, 1, 0}, {4, 41, 5, 2}, {0, 6, 38, 9}, {1, 0, 12, 27}}, kInt64);
    cfg.class_names = {"T-shirt/top", "<trouser>", "pull & over", "\"dress\""};
    trainer::write_html_report(argv[1], sample_run(), cfg);
    std::printf("wrote %s\n", argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_sample_report: %s\n", e.what());
    return 1;
  }
  return 0;
}
