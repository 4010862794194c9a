#include "lr_finder.h"

#include <cmath>

#include "../../autograd/grad_mode.h"
#include "../report.h"
#include "../trainer.h"

namespace nabla::trainer {

namespace {

// Deep copies: a state_dict() shares the live tensors, which the test's
// steps would change under it.
StateDict cloned(const StateDict& sd) {
  StateDict out;
  for (const auto& [name, t] : sd) out.insert(name, t.detach().clone());
  return out;
}

// Everything the range test touches, saved before it and put back after.
struct Snapshot {
  explicit Snapshot(Trainer& t, data::DataLoader& loader) : trainer(t), loader(loader) {
    NoGradGuard no_grad;
    model = cloned(t.model().state_dict());
    for (const auto& [name, p] : t.model().named_parameters())
      grads.push_back(p.grad().defined() ? p.grad().detach().clone() : Tensor());
    optimizer = cloned(t.optimizer().state_dict());
    for (const auto& [name, g] : t.generators()) generators.push_back(g->state());
    position = cloned(loader.state_dict());
    training = t.model().is_training();
  }
  void restore() {
    NoGradGuard no_grad;
    trainer.model().load_state_dict(model);
    const auto params = trainer.model().named_parameters();
    for (size_t i = 0; i < params.size(); ++i) params[i].second.set_grad(grads[i]);
    trainer.optimizer().load_state_dict(optimizer);
    const auto gens = trainer.generators();
    for (size_t i = 0; i < gens.size(); ++i) gens[i].second->set_state(generators[i]);
    loader.load_state_dict(position);
    trainer.model().train(training);
  }
  Trainer& trainer;
  data::DataLoader& loader;
  StateDict model, optimizer, position;
  std::vector<Tensor> grads;
  std::vector<GeneratorState> generators;
  bool training;
};

void set_all_lrs(optim::Optimizer& opt, double lr) {
  for (auto& group : opt.param_groups()) group.set_lr(lr);
}

}  // namespace

LRFinderResult find_lr(Trainer& trainer, data::DataLoader& loader, const LRFinderOptions& o) {
  const char* op = "find_lr";
  NABLA_CHECK(o.min_lr > 0 && o.max_lr > o.min_lr, op, "need 0 < min_lr < max_lr, got ", o.min_lr, " and ", o.max_lr);
  NABLA_CHECK(o.num_steps >= 2, op, "num_steps must be >= 2, got ", o.num_steps);
  NABLA_CHECK(o.smoothing >= 0 && o.smoothing < 1, op, "smoothing must be in [0, 1), got ", o.smoothing);
  NABLA_CHECK(loader.num_batches() > 0, op, "the loader has no batches");

  Snapshot snapshot(trainer, loader);
  LRFinderResult r;
  trainer.model().train();
  trainer.optimizer().zero_grad();
  double avg = 0, best = INFINITY;
  data::Batch batch;
  try {
    for (int64_t i = 0; i < o.num_steps; ++i) {
      const double lr = o.min_lr * std::pow(o.max_lr / o.min_lr, static_cast<double>(i) / (o.num_steps - 1));
      if (!loader.next(batch)) loader.next(batch);  // at an epoch's end, go on with the next epoch
      set_all_lrs(trainer.optimizer(), lr);
      StepOutput out = trainer.training_step(batch);
      NABLA_CHECK(out.loss.defined(), op, "the training step returned no loss");
      out.loss.backward();
      trainer.optimizer().step();
      trainer.optimizer().zero_grad();
      const double loss = out.loss.detach().astype(kFloat64).item<double>();
      avg = o.smoothing * avg + (1 - o.smoothing) * loss;
      const double smoothed = avg / (1 - std::pow(o.smoothing, static_cast<double>(i + 1)));
      r.lrs.push_back(lr);
      r.raw_losses.push_back(loss);
      r.losses.push_back(smoothed);
      if (!std::isfinite(smoothed) || (i > 0 && smoothed > o.diverge_factor * best)) break;
      best = std::min(best, smoothed);
    }
  } catch (...) {
    snapshot.restore();
    throw;
  }
  snapshot.restore();

  // Steepest descent: the most negative central difference of the smoothed
  // loss (steps are equal in log lr, so this is d loss / d log lr up to scale).
  const int64_t n = static_cast<int64_t>(r.losses.size());
  int64_t lo = std::min(o.skip_begin, n - 1), hi = std::max(lo, n - 1 - o.skip_end);
  double steepest = INFINITY;
  for (int64_t i = lo; i <= hi; ++i) {
    const int64_t a = std::max<int64_t>(i - 1, 0), b = std::min<int64_t>(i + 1, n - 1);
    if (a == b) continue;
    const double slope = (r.losses[b] - r.losses[a]) / static_cast<double>(b - a);
    if (std::isfinite(slope) && slope < steepest) {
      steepest = slope;
      r.suggestion_index = i;
    }
  }
  NABLA_CHECK(r.suggestion_index >= 0, op, "the loss curve has too few finite points (", n,
              " steps taken) to suggest an lr: raise num_steps or lower min_lr");
  r.suggestion = r.lrs[r.suggestion_index];
  return r;
}

std::string LRFinderResult::svg() const {
  ChartSeries curve{"smoothed loss", {}}, pick{"suggestion", {}};
  for (size_t i = 0; i < lrs.size(); ++i) curve.points.emplace_back(std::log10(lrs[i]), losses[i]);
  if (suggestion_index >= 0)
    pick.points.emplace_back(std::log10(suggestion), losses[static_cast<size_t>(suggestion_index)]);
  return svg_line_chart("learning-rate range test", "log10(lr)", "loss", {curve, pick});
}

void LRFinder::on_fit_start(Trainer& trainer) {
  if (trainer.step() != 0 || trainer.train_loader() == nullptr) return;  // resumed: the lr was chosen then
  result_ = find_lr(trainer, *trainer.train_loader(), options_);
  set_all_lrs(trainer.optimizer(), result_.suggestion);
}

}  // namespace nabla::trainer
