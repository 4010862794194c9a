// One test per built-in callback (trainer/callbacks/), each checking what
// the callback promises against numbers computed here.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "file_helpers.h"
#include "helpers.h"
#include "toy_run.h"

using namespace nabla;
using namespace nabla::trainer;
using testing::ToyRun;

namespace {

// Records the order the hooks ran in.
struct Recorder : Callback {
  std::string name() const override { return "recorder"; }
  void on_fit_start(Trainer&) override { events.push_back("fit_start"); }
  void on_fit_end(Trainer&) override { events.push_back("fit_end"); }
  void on_epoch_start(Trainer& t) override { events.push_back("epoch_start " + std::to_string(t.epoch())); }
  void on_epoch_end(Trainer& t) override { events.push_back("epoch_end " + std::to_string(t.epoch())); }
  void on_batch_start(Trainer&, const data::Batch&) override { events.push_back("batch_start"); }
  void on_batch_end(Trainer&, const data::Batch&, const StepOutput&) override { events.push_back("batch_end"); }
  void on_before_optimizer_step(Trainer&) override { events.push_back("before_step"); }
  void on_after_optimizer_step(Trainer&) override { events.push_back("after_step"); }
  void on_validation_start(Trainer&) override { events.push_back("val_start"); }
  void on_validation_end(Trainer&, const std::map<std::string, double>& m) override {
    events.push_back("val_end " + std::to_string(m.count("val/loss")));
  }
  void on_save(Trainer&, StateDict& s) override { s.insert("count", scalar_tensor(42.0, kInt64)); }
  void on_load(Trainer&, const StateDict& s) override { loaded = s.at("count").item<int64_t>(); }
  std::vector<std::string> events;
  int64_t loaded = 0;
};

}  // namespace

TEST_CASE("callbacks: the hooks run in the documented order; on_save/on_load carry state", "[trainer][callbacks]") {
  testing::TempDir dir;
  testing::ToyOptions toy;
  toy.batch_size = 30;  // 3 batches an epoch
  TrainerOptions o = ToyRun::quiet();
  o.accumulate_grad_batches = 2;
  ToyRun run(o, toy);
  auto rec = std::make_shared<Recorder>();
  run.trainer->add_callback(rec);
  run.fit(1);
  const std::vector<std::string> expected = {
      "fit_start",   "epoch_start 0", "batch_start", "batch_end",  // batch 1 waits for batch 2
      "batch_start", "before_step",   "after_step",  "batch_end",  // batch 2 steps
      "batch_start", "before_step",   "after_step",  "batch_end",  // batch 3, the epoch's last, steps alone
      "val_start",   "val_end 1",     "epoch_end 0", "fit_end"};
  CHECK(rec->events == expected);

  run.trainer->save_checkpoint(dir.file("c.safetensors"));
  ToyRun other(o, toy);
  auto rec2 = std::make_shared<Recorder>();
  other.trainer->add_callback(rec2);
  other.trainer->load_checkpoint(dir.file("c.safetensors"));
  CHECK(rec2->loaded == 42);
}

TEST_CASE("ModelCheckpoint keeps the best epoch by the monitored metric, and the last", "[trainer][callbacks]") {
  testing::TempDir dir;
  ToyRun run;
  run.trainer->add_metric<Accuracy>();
  ModelCheckpointOptions mc;
  mc.dir = dir.file("ckpt");
  mc.monitor = "val/loss";
  mc.every_n_steps = 5;
  auto cb = std::make_shared<ModelCheckpoint>(mc);
  run.trainer->add_callback(cb);
  run.fit(4);

  // The best epoch is the one with the lowest val/loss in the log.
  const auto history = run.trainer->log().epoch_history("val/loss");
  REQUIRE(history.size() == 4);
  auto best = std::min_element(history.begin(), history.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  CHECK(cb->best_epoch() == best->first);
  CHECK(cb->best_score() == best->second);
  // best.safetensors resumes after the best epoch with the model of then:
  // evaluating it gives the best val/loss again.
  ToyRun from_best;
  from_best.trainer->add_metric<Accuracy>();
  from_best.trainer->add_callback(std::make_shared<ModelCheckpoint>(mc));
  from_best.trainer->load_checkpoint(cb->best_path());
  CHECK(from_best.trainer->epoch() == best->first + 1);
  CHECK(from_best.trainer->evaluate(*from_best.val, "").at("loss") == Approx(best->second).epsilon(1e-12));
  // last.safetensors is the end of the run.
  ToyRun from_last;
  from_last.trainer->add_metric<Accuracy>();
  from_last.trainer->load_checkpoint(cb->last_path());
  CHECK(from_last.trainer->epoch() == 4);
  CHECK(testing::param_bits(*from_last.model) == testing::param_bits(*run.model));

  SECTION("a misspelt metric is an error listing the metrics there are") {
    ToyRun r;
    ModelCheckpointOptions bad;
    bad.dir = dir.file("bad");
    bad.monitor = "val/los";
    r.trainer->add_callback(std::make_shared<ModelCheckpoint>(bad));
    CHECK_THROWS_WITH(r.fit(1), Catch::Contains("val/los'") && Catch::Contains("val/loss"));
  }
}

TEST_CASE("ModelCheckpoint every_n_steps writes mid-epoch checkpoints", "[trainer][callbacks]") {
  testing::TempDir dir;
  ToyRun run;
  ModelCheckpointOptions mc;
  mc.dir = dir.file("steps");
  mc.save_best = false;
  mc.save_last = false;
  mc.every_n_steps = 5;
  auto cb = std::make_shared<ModelCheckpoint>(mc);
  run.trainer->add_callback(cb);
  run.trainer->add_callback(std::make_shared<testing::StopAt>(17));
  run.fit(3);
  ToyRun back;
  back.trainer->load_checkpoint(cb->last_path());
  CHECK(back.trainer->step() == 15);  // the last multiple of 5 before the stop at 17
  CHECK(back.trainer->epoch() == 1);
}

TEST_CASE("EarlyStopping stops after `patience` epochs without improvement", "[trainer][callbacks]") {
  testing::ToyOptions toy;
  toy.lr = 0.0;  // nothing improves: val/loss is the same every epoch
  toy.dropout = 0.0;
  ToyRun run(ToyRun::quiet(), toy);
  auto early = std::make_shared<EarlyStopping>("val/loss", "min", 3);
  run.trainer->add_callback(early);
  FitResult r = run.fit(20);
  CHECK(r.epochs == 4);  // epoch 0 sets the best, 1-3 are bad
  CHECK(early->stopped_epoch() == 3);
  CHECK(early->bad_epochs() == 3);
  CHECK_THAT(r.stop_reason, Catch::Contains("early stopping") && Catch::Contains("val/loss"));
}

TEST_CASE("LRSchedulerCallback steps per optimizer step or per epoch; PlateauCallback on a metric",
          "[trainer][callbacks]") {
  SECTION("per step, counting optimizer steps under gradient accumulation") {
    TrainerOptions o = ToyRun::quiet();
    o.accumulate_grad_batches = 2;
    ToyRun run(o);
    optim::StepLR sched(*run.sgd, 2, 0.5);
    run.trainer->add_callback(std::make_shared<LRSchedulerCallback>(sched, Interval::Step));
    run.fit(1);
    // Batch b (1-based) runs after floor((b - 1) / 2) optimizer steps, and
    // the lr halves every 2 optimizer steps.
    const auto lrs = run.trainer->log().history("lr");
    REQUIRE(lrs.size() == 12);
    for (int64_t b = 1; b <= 12; ++b) {
      const int64_t steps = (b - 1) / 2;
      CHECK(lrs[b - 1].second == 0.1 * std::pow(0.5, steps / 2));
    }
  }
  SECTION("per epoch") {
    ToyRun run;
    optim::ExponentialLR sched(*run.sgd, 0.5);
    run.trainer->add_callback(std::make_shared<LRSchedulerCallback>(sched, Interval::Epoch));
    run.fit(3);
    for (const auto& [step, lr] : run.trainer->log().history("lr")) CHECK(lr == 0.1 * std::pow(0.5, (step - 1) / 12));
  }
  SECTION("plateau") {
    testing::ToyOptions toy;
    toy.lr = 1e-12;  // too small to change val/loss by the 1e-4 relative threshold
    toy.dropout = 0;
    ToyRun run(ToyRun::quiet(), toy);
    optim::PlateauOptions po;
    po.patience = 1;
    po.factor = 0.5;
    po.eps = 0;  // the default ignores lr changes below 1e-8
    optim::ReduceLROnPlateau plateau(*run.sgd, po);
    run.trainer->add_callback(std::make_shared<PlateauCallback>(plateau, "val/loss"));
    run.fit(4);
    // Epoch 0 sets the best; epochs 1, 2 are bad: more than 1 -> halve after epoch 2; then 3 is bad once.
    CHECK(run.sgd->param_groups()[0].lr() == 0.5e-12);
  }
}

// y = 3 x - 1 with noise, a Linear(1, 1) and plain SGD, which diverges
// above lr ~ 2 / E[x^2] = 2.
struct Regression {
  nn::Linear model;
  optim::SGD sgd;
  data::DataLoader loader;
  Trainer trainer;
  explicit Regression(std::shared_ptr<data::TensorDataset> set)
      : model(1, 1, true, nn::functional::Activation::None, init()),
        sgd(model.parameters(), {{"lr", 0.05}}),
        loader(std::move(set), data::DataLoaderOptions{16, true}),
        trainer(
            model, sgd,
            [](const Tensor& out, const Tensor& target) { return nn::functional::mse_loss(out.squeeze(1), target); },
            ToyRun::quiet()) {}
  static Generator& init() {
    static Generator g;
    g.manual_seed(4);  // every Regression starts from the same weights
    return g;
  }
  static std::shared_ptr<data::TensorDataset> data() {
    Generator g(9);
    Tensor x = randn({256, 1}, g), y = (x * 3.0 - 1.0 + randn({256, 1}, g) * 0.1).squeeze(1);
    return std::make_shared<data::TensorDataset>(x, y);
  }
};

TEST_CASE("find_lr: a range test on linear regression suggests a sensible lr and changes nothing",
          "[trainer][callbacks]") {
  auto set = Regression::data();
  Regression with(set), without(set);
  LRFinderResult result = find_lr(with.trainer, with.loader, {1e-5, 100.0, 120});
  CHECK(with.sgd.param_groups()[0].lr() == 0.05);  // restored
  CHECK(with.loader.batch_index() == 0);
  with.trainer.fit(with.loader, nullptr, 2);
  without.trainer.fit(without.loader, nullptr, 2);
  CHECK(testing::param_bits(with.model) == testing::param_bits(without.model));  // bit for bit the same training

  REQUIRE(result.lrs.size() >= 30);
  CHECK(result.lrs.size() < 120);  // it diverged before max_lr and stopped early
  CHECK(result.lrs.front() == Approx(1e-5));
  CHECK(result.suggestion > 1e-3);
  CHECK(result.suggestion < 2.0);
  // The suggestion is where the smoothed loss falls fastest.
  const size_t i = static_cast<size_t>(result.suggestion_index);
  CHECK(result.losses[i + 1] < result.losses[i - 1]);
  CHECK_THAT(result.svg(), Catch::Contains("<svg") && Catch::Contains("suggestion"));

  SECTION("the LRFinder callback sets the suggestion before training") {
    Regression r(set);
    auto finder = std::make_shared<LRFinder>(LRFinderOptions{1e-5, 100.0, 120});
    r.trainer.add_callback(finder);
    r.trainer.fit(r.loader, nullptr, 1);
    CHECK(finder->result().suggestion == result.suggestion);
    CHECK(r.trainer.log().history("lr")[0].second == finder->result().suggestion);
  }
}

TEST_CASE("GradientAccumulation follows its schedule by epoch", "[trainer][callbacks]") {
  ToyRun run;
  auto acc = std::make_shared<GradientAccumulation>(std::map<int64_t, int64_t>{{0, 1}, {1, 3}, {2, 4}});
  run.trainer->add_callback(acc);
  run.fit(1);
  CHECK(run.trainer->optimizer_steps() == 12);
  run.fit(2);
  CHECK(run.trainer->optimizer_steps() == 12 + 4);
  run.fit(3);
  CHECK(run.trainer->optimizer_steps() == 12 + 4 + 3);  // 12 batches in 4s
  CHECK(acc->batches_for(7) == 4);
  CHECK_THROWS_WITH(GradientAccumulation(std::map<int64_t, int64_t>{{1, 2}}), Catch::Contains("epoch 0"));
}

TEST_CASE("GradientClipping bounds every step's update", "[trainer][callbacks]") {
  testing::ToyOptions toy;
  toy.lr = 1.0;
  toy.momentum = 0.0;
  for (ClipBy by : {ClipBy::Norm, ClipBy::Value}) {
    ToyRun run(ToyRun::quiet(), toy);
    run.trainer->add_callback(std::make_shared<GradientClipping>(1e-3, by, 2.0, /*log_norm=*/true));
    // Watch the largest change of one step.
    struct Watch : Callback {
      std::string name() const override { return "watch"; }
      void on_before_optimizer_step(Trainer& t) override { before = testing::param_bits(t.model()); }
      void on_after_optimizer_step(Trainer& t) override {
        double sq = 0, biggest = 0;
        auto params = t.model().parameters();
        for (size_t i = 0; i < params.size(); ++i) {
          std::vector<double> now = testing::values(params[i]);
          for (size_t j = 0; j < now.size(); ++j) {
            float old;
            std::memcpy(&old, &before[i][j], sizeof(float));
            const double d = now[j] - old;
            sq += d * d;
            biggest = std::max(biggest, std::abs(d));
          }
        }
        max_norm = std::max(max_norm, std::sqrt(sq));
        max_elem = std::max(max_elem, biggest);
      }
      std::vector<std::vector<uint32_t>> before;
      double max_norm = 0, max_elem = 0;
    };
    auto watch = std::make_shared<Watch>();
    run.trainer->add_callback(watch);
    run.fit(1);
    if (by == ClipBy::Norm) {
      CHECK(watch->max_norm <= 1e-3 * (1 + 1e-4));
      CHECK(watch->max_norm > 0.9e-3);  // the raw gradients are far larger: every step clips
      const auto norms = run.trainer->log().history("train/grad_norm");
      REQUIRE(norms.size() == 12);
      CHECK(norms[0].second > 1e-2);
    } else {
      CHECK(watch->max_elem <= 1e-3 * (1 + 1e-4));
    }
  }
}

TEST_CASE("EmaCallback validates with the average and leaves training untouched", "[trainer][callbacks]") {
  manual_seed(2);
  ToyRun plain;
  plain.fit(2);

  manual_seed(2);
  ToyRun with_ema;
  auto ema = std::make_shared<EmaCallback>(0.8);
  with_ema.trainer->add_callback(ema);
  with_ema.fit(2);
  // The weights trained are the same: the EMA only watches.
  CHECK(testing::param_bits(*with_ema.model) == testing::param_bits(*plain.model));
  CHECK(ema->ema().num_updates() == 24);
  // val/loss was measured on the average: copy it in and evaluate again.
  const double logged = with_ema.trainer->metric("val/loss");
  CHECK(logged != plain.trainer->metric("val/loss"));
  ema->ema().copy_to();
  CHECK(with_ema.trainer->evaluate(*with_ema.val, "").at("loss") == Approx(logged).epsilon(1e-12));
}

TEST_CASE("Reseed makes an epoch's random numbers independent of earlier draws", "[trainer][callbacks]") {
  // Draws from the default generator after epoch 0 (as an extra evaluation
  // with dropout, or a user's sampling, would).
  struct Draw : Callback {
    std::string name() const override { return "draw"; }
    void on_epoch_end(Trainer& t) override {
      if (t.epoch() == 0) (void)randn({5});
    }
  };
  auto train = [](bool reseed, bool draw) {
    manual_seed(4);
    ToyRun run;
    if (draw) run.trainer->add_callback(std::make_shared<Draw>());
    if (reseed) run.trainer->add_callback(std::make_shared<Reseed>(77));
    run.fit(2);
    return testing::param_bits(*run.model);
  };
  CHECK(train(true, false) == train(true, true));
  CHECK(train(false, false) != train(false, true));  // without it, the draw changes epoch 1's dropout
  Reseed r(77);
  CHECK(r.seed_for(1, 0) != r.seed_for(2, 0));
  CHECK(r.seed_for(1, 0) != r.seed_for(1, 1));
}
