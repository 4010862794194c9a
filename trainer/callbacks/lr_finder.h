// The learning-rate range test (Smith, "Cyclical Learning Rates", 2017;
// Lightning's lr_find, fastai's lr_find): train a few hundred steps while the
// lr grows exponentially from tiny to huge, watch the loss, and suggest the
// lr where it falls fastest.
//
//   LRFinderResult r = find_lr(trainer, train_loader);
//   std::cout << "suggested lr " << r.suggestion << "\n";
//   write_svg("lr_find.svg", r.svg());                      // the loss-vs-lr curve
//
// Step i of n uses lr_i = min_lr · (max_lr / min_lr)^(i / (n − 1)). The
// loss is smoothed as an exponential moving average with bias correction,
//   a_i = β·a_{i−1} + (1 − β)·loss_i,   smoothed_i = a_i / (1 − β^(i+1)),
// and the test stops early once smoothed_i > diverge_factor · the lowest so
// far. The suggestion is the lr at the steepest descent of the smoothed loss
// (the most negative finite difference), ignoring the first skip_begin and
// last skip_end points, which are noise and divergence.
//
// The test changes nothing: the model's weights and gradients, the
// optimizer's state and lrs, every trainer generator and the loader's
// position are restored afterwards, so training then runs exactly as it
// would have without it. The LRFinder callback runs it at the start of a
// fresh fit() and sets every group's lr to the suggestion.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../callback.h"

namespace nabla::data {
class DataLoader;
}

namespace nabla::trainer {

struct LRFinderOptions {
  double min_lr = 1e-7;
  double max_lr = 10.0;
  int64_t num_steps = 100;
  double smoothing = 0.98;  // β above
  double diverge_factor = 4.0;
  int64_t skip_begin = 10, skip_end = 1;
};

struct LRFinderResult {
  std::vector<double> lrs;         // the lr of each step taken
  std::vector<double> losses;      // smoothed, one per step
  std::vector<double> raw_losses;  // as the steps returned them
  double suggestion = 0;           // the suggested lr
  int64_t suggestion_index = -1;   // its step
  // An inline SVG chart of the smoothed loss against log10(lr), the
  // suggestion marked (trainer/report.h's chart).
  std::string svg() const;
};

LRFinderResult find_lr(Trainer& trainer, data::DataLoader& loader, const LRFinderOptions& options = {});

class LRFinder : public Callback {
 public:
  explicit LRFinder(LRFinderOptions options = {}) : options_(options) {}
  std::string name() const override { return "lr_finder"; }
  // On a fresh run only (step 0): runs the test on the training loader and
  // sets every parameter group's lr to the suggestion. Create any lr
  // scheduler after this (their base lrs are read at construction).
  void on_fit_start(Trainer& trainer) override;
  const LRFinderResult& result() const { return result_; }

 private:
  LRFinderOptions options_;
  LRFinderResult result_;
};

}  // namespace nabla::trainer
