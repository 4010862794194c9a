// Exact resume: a run stopped by Ctrl-C at step k (mid-epoch, mid gradient
// accumulation) and resumed from its checkpoint ends bit for bit where the
// run that was never stopped ends: same parameters, same EMA, same logged
// losses and lrs, same validation metrics.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>

#include "file_helpers.h"
#include "helpers.h"
#include "toy_run.h"

using namespace nabla;
using namespace nabla::trainer;
using testing::ToyRun;

namespace {

// Raises SIGINT after batch `at` (the trainer's StopSignalGuard turns it
// into a stop request), as a user pressing Ctrl-C there would.
struct CtrlCAt : Callback {
  explicit CtrlCAt(int64_t at) : at(at) {}
  std::string name() const override { return "ctrl_c"; }
  void on_batch_end(Trainer& t, const data::Batch&, const StepOutput&) override {
    if (t.step() == at) std::raise(SIGINT);
  }
  int64_t at;
};

// Every feature whose state a checkpoint must carry, switched on.
struct FullRun {
  ToyRun run;
  std::unique_ptr<optim::CosineAnnealingLR> cosine;
  std::shared_ptr<EmaCallback> ema;
  std::shared_ptr<ModelCheckpoint> checkpoints;
  std::shared_ptr<EarlyStopping> early;

  FullRun(const std::string& dir, uint64_t init_seed) : run(options(dir), toy(init_seed)) {
    Trainer& t = *run.trainer;
    t.add_metric<Accuracy>();
    t.add_metric<ConfusionMatrix>(3);
    cosine = std::make_unique<optim::CosineAnnealingLR>(*run.sgd, 40, 0.001);
    t.add_callback(std::make_shared<LRSchedulerCallback>(*cosine, Interval::Step));
    t.add_callback(std::make_shared<GradientClipping>(5.0, ClipBy::Norm, 2.0, /*log_norm=*/true));
    ema = std::make_shared<EmaCallback>(0.9, /*warmup=*/true);
    t.add_callback(ema);
    ModelCheckpointOptions mc;
    mc.dir = dir;
    mc.monitor = "val/accuracy";
    mc.mode = "max";
    checkpoints = std::make_shared<ModelCheckpoint>(mc);
    t.add_callback(checkpoints);
    early = std::make_shared<EarlyStopping>("val/loss", "min", 10);
    t.add_callback(early);
  }
  static TrainerOptions options(const std::string& dir) {
    TrainerOptions o = ToyRun::quiet();
    o.accumulate_grad_batches = 2;
    o.checkpoint_dir = dir;
    return o;
  }
  static testing::ToyOptions toy(uint64_t init_seed) {
    testing::ToyOptions o;
    o.init_seed = init_seed;
    return o;
  }
};

// The log without wall-clock timings, which no two runs share.
std::vector<LogRecord> deterministic_records(const MetricsLog& log) {
  std::vector<LogRecord> out;
  for (const LogRecord& r : log.records())
    if (r.name.rfind("time/", 0) != 0) out.push_back(r);
  return out;
}

void require_same_records(const std::vector<LogRecord>& a, const std::vector<LogRecord>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("record " << i << ": " << a[i].name << " at step " << a[i].step);
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].step == b[i].step);
    CHECK(a[i].epoch == b[i].epoch);
    CHECK(std::memcmp(&a[i].value, &b[i].value, sizeof(double)) == 0);  // bit for bit
  }
}

}  // namespace

TEST_CASE("resume: Ctrl-C at step k, resume from the checkpoint, end bit for bit where the straight run ends",
          "[trainer][resume]") {
  testing::TempDir dir;
  const int64_t kEpochs = 3;  // 12 batches each: 36 steps
  // k = 17: epoch 1, batch 5 of 12, and one batch's gradient waiting for
  // its accumulation partner.
  const int64_t k = GENERATE(17, 24, 1);

  manual_seed(7);
  FullRun straight(dir.file("straight"), 1);
  FitResult whole = straight.run.fit(kEpochs);
  REQUIRE_FALSE(whole.interrupted);
  REQUIRE(whole.steps == 36);

  manual_seed(7);
  FullRun first(dir.file("resumed"), 1);
  first.run.trainer->add_callback(std::make_shared<CtrlCAt>(k));
  FitResult part = first.run.fit(kEpochs);
  REQUIRE(part.interrupted);
  CHECK(part.steps == k);
  CHECK(part.stop_reason == "SIGINT received");
  CHECK(part.checkpoint == dir.file("resumed") + "/interrupted.safetensors");
  CHECK_FALSE(stop_requested());  // the request was consumed

  // A new process, in effect: other seeds, other initial weights, a fresh
  // loader; the checkpoint brings everything back.
  manual_seed(12345);
  FullRun second(dir.file("resumed"), 99);
  second.run.trainer->load_checkpoint(part.checkpoint);
  CHECK(second.run.trainer->step() == k);
  FitResult rest = second.run.fit(kEpochs);
  REQUIRE_FALSE(rest.interrupted);
  CHECK(rest.steps == 36);
  CHECK(rest.epochs == kEpochs);

  CHECK(testing::param_bits(*second.run.model) == testing::param_bits(*straight.run.model));
  // The EMA's averages too (they are what validation measured).
  StateDict a = straight.ema->ema().shadow(), b = second.ema->ema().shadow();
  for (const auto& [name, t] : a) CHECK(testing::values(t) == testing::values(b.at(name)));
  CHECK(second.run.sgd->param_groups()[0].lr() == straight.run.sgd->param_groups()[0].lr());
  CHECK(second.checkpoints->best_epoch() == straight.checkpoints->best_epoch());
  CHECK(second.checkpoints->best_score() == straight.checkpoints->best_score());
  CHECK(second.early->bad_epochs() == straight.early->bad_epochs());
  // Every logged number: train/loss and lr per step, grad norms, train and
  // val metrics per epoch (the epoch-level train metrics prove the
  // mid-epoch metric state was restored).
  require_same_records(deterministic_records(second.run.trainer->log()),
                       deterministic_records(straight.run.trainer->log()));
  CHECK(second.run.trainer->log().history("train/loss").size() == 36);
}

TEST_CASE("resume: a checkpoint written at an epoch's end resumes at the next epoch", "[trainer][resume]") {
  testing::TempDir dir;
  manual_seed(3);
  ToyRun straight;
  straight.trainer->add_metric<Accuracy>();
  straight.fit(2);

  manual_seed(3);
  ToyRun first;
  first.trainer->add_metric<Accuracy>();
  first.fit(1);
  first.trainer->save_checkpoint(dir.file("epoch1.safetensors"));  // after fit: the loader's last position

  manual_seed(5);
  testing::ToyOptions other;
  other.init_seed = 8;
  ToyRun second(ToyRun::quiet(), other);
  second.trainer->add_metric<Accuracy>();
  second.trainer->load_checkpoint(dir.file("epoch1.safetensors"));
  CHECK(second.trainer->epoch() == 1);
  second.fit(2);
  CHECK(testing::param_bits(*second.model) == testing::param_bits(*straight.model));
  require_same_records(deterministic_records(second.trainer->log()), deterministic_records(straight.trainer->log()));
}

TEST_CASE("checkpoints are written atomically: a failed save keeps the previous file", "[trainer][resume]") {
  testing::TempDir dir;
  ToyRun run;
  run.fit(1);
  const std::string path = dir.file("ckpt.safetensors");
  run.trainer->save_checkpoint(path);
  const std::string before = testing::read_bytes(path);

  // A save that fails part-way (here a callback's on_save throws) leaves
  // the previous checkpoint as it was.
  struct Broken : Callback {
    std::string name() const override { return "broken"; }
    void on_save(Trainer&, StateDict&) override { throw Error("Broken::on_save: disk on fire"); }
  };
  run.trainer->add_callback(std::make_shared<Broken>());
  CHECK_THROWS_WITH(run.trainer->save_checkpoint(path), Catch::Contains("disk on fire"));
  CHECK(testing::read_bytes(path) == before);
  // No temporary left behind either.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("load_checkpoint: bad files give an Error naming the path", "[trainer][resume]") {
  testing::TempDir dir;
  ToyRun run;
  run.fit(1);
  const std::string good = dir.file("good.safetensors");
  run.trainer->save_checkpoint(good);

  SECTION("truncated") {
    std::string bytes = testing::read_bytes(good);
    bytes.resize(bytes.size() / 2);
    testing::write_bytes(dir.file("cut.safetensors"), bytes);
    ToyRun other;
    CHECK_THROWS_WITH(other.trainer->load_checkpoint(dir.file("cut.safetensors")), Catch::Contains("cut.safetensors"));
  }
  SECTION("a model file, not a trainer checkpoint") {
    nn::save(*run.model, dir.file("model.safetensors"));
    ToyRun other;
    CHECK_THROWS_WITH(other.trainer->load_checkpoint(dir.file("model.safetensors")),
                      Catch::Contains("not a trainer checkpoint") && Catch::Contains("model.safetensors"));
  }
  SECTION("another model") {
    nn::Linear wrong(4, 3);
    optim::SGD sgd(wrong.parameters(), {{"lr", 0.1}});
    Trainer t(wrong, sgd);
    CHECK_THROWS_WITH(t.load_checkpoint(good), Catch::Contains("good.safetensors") && Catch::Contains("model"));
  }
  SECTION("missing file") {
    ToyRun other;
    CHECK_THROWS_WITH(other.trainer->load_checkpoint(dir.file("nope.safetensors")),
                      Catch::Contains("nope.safetensors"));
  }
}

TEST_CASE("resume: a custom two-optimizer step (GAN-style) resumes exactly through register_state",
          "[trainer][resume]") {
  // "generator" g and "critic" d, each with its own Adam; the step updates
  // both itself (manual optimization) and the trainer's optimizer is d's.
  struct Pair : nn::Module {
    std::shared_ptr<nn::Linear> g, d;
    explicit Pair(uint64_t seed) : Module("Pair") {
      Generator init(seed);
      g = register_module("g", std::make_shared<nn::Linear>(4, 4, true, nn::functional::Activation::None, init));
      d = register_module("d", std::make_shared<nn::Linear>(4, 1, true, nn::functional::Activation::None, init));
    }
  };
  struct Gan {
    Pair pair;
    optim::Adam opt_d, opt_g;
    std::unique_ptr<data::DataLoader> loader;
    Trainer trainer;
    explicit Gan(uint64_t seed)
        : pair(seed),
          opt_d(pair.d->parameters(), {{"lr", 1e-2}}),
          opt_g(pair.g->parameters(), {{"lr", 1e-2}}),
          loader(std::make_unique<data::DataLoader>(testing::toy_blobs(90, 3, false),
                                                    data::DataLoaderOptions{8, true, false, 5, true})),
          trainer(pair, opt_d, nullptr, ToyRun::quiet()) {
      trainer.register_state(
          "opt_g", [this] { return opt_g.state_dict(); }, [this](const StateDict& s) { opt_g.load_state_dict(s); });
      trainer.set_training_step([this](Trainer&, const data::Batch& b) {
        Tensor noise = randn(b.input.shape());  // the default generator: checkpointed
        // Critic: real high, fake low.
        opt_d.zero_grad();
        Tensor fake = (*pair.g)(noise).detach();
        Tensor d_loss = mean(relu(1.0 - (*pair.d)(b.input))) + mean(relu(1.0 + (*pair.d)(fake)));
        d_loss.backward();
        opt_d.step();
        // Generator: fool the critic.
        opt_g.zero_grad();
        Tensor g_loss = -mean((*pair.d)((*pair.g)(noise)));
        g_loss.backward();
        opt_g.step();
        return StepOutput{
            Tensor(), Tensor(), Tensor(), {{"d_loss", d_loss.item<float>()}, {"g_loss", g_loss.item<float>()}}};
      });
    }
  };
  testing::TempDir dir;
  manual_seed(21);
  Gan straight(1);
  straight.trainer.fit(*straight.loader, nullptr, 2);

  manual_seed(21);
  Gan first(1);
  first.trainer.add_callback(std::make_shared<testing::StopAt>(7));
  first.trainer.fit(*first.loader, nullptr, 2);
  first.trainer.save_checkpoint(dir.file("gan.safetensors"));  // after fit(): where its loader stopped

  manual_seed(0);
  Gan second(2);
  second.trainer.load_checkpoint(dir.file("gan.safetensors"));
  second.trainer.fit(*second.loader, nullptr, 2);
  CHECK(testing::param_bits(second.pair) == testing::param_bits(straight.pair));
  require_same_records(deterministic_records(second.trainer.log()), deterministic_records(straight.trainer.log()));
  CHECK(second.trainer.log().history("train/g_loss").size() == 24);
}
