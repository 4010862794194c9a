// Trainer: the simple path, custom steps, evaluation, logging and errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "file_helpers.h"
#include "helpers.h"
#include "toy_run.h"

using namespace nabla;
using namespace nabla::trainer;
using testing::ToyRun;

TEST_CASE("Trainer::fit learns the blobs and logs per step and per epoch", "[trainer]") {
  testing::TempDir dir;
  TrainerOptions o = ToyRun::quiet();
  o.log_csv = dir.file("log.csv");
  o.log_jsonl = dir.file("log.jsonl");
  ToyRun run(o);
  run.trainer->add_metric<Accuracy>();
  manual_seed(1);
  FitResult r = run.fit(4);
  CHECK(r.epochs == 4);
  CHECK(r.steps == 4 * 12);
  CHECK_FALSE(r.interrupted);
  CHECK(r.stop_reason.empty());

  const MetricsLog& log = run.trainer->log();
  CHECK(log.history("train/loss").size() == 48);
  CHECK(log.history("lr").size() == 48);
  CHECK(log.history("lr")[0].second == 0.1);
  CHECK(log.epoch_history("val/loss").size() == 4);
  CHECK(log.epoch_history("train/accuracy").size() == 4);
  CHECK(log.epoch_history("time/epoch_s").size() == 4);
  // The loss falls and the blobs are separable.
  const auto losses = log.history("train/loss");
  CHECK(losses.back().second < losses.front().second);
  CHECK(run.trainer->metric("val/accuracy") >= 0.8);
  CHECK(run.trainer->metric("train/loss") < 0.5);  // the last epoch's mean batch loss
  CHECK_THROWS_WITH(run.trainer->metric("val/acuracy"), Catch::Contains("val/accuracy"));
  // The files hold every record.
  const std::string csv = testing::read_bytes(o.log_csv);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(log.size()) + 1);
  const std::string jsonl = testing::read_bytes(o.log_jsonl);
  CHECK(std::count(jsonl.begin(), jsonl.end(), '\n') == static_cast<long>(log.size()));
}

TEST_CASE("Trainer::evaluate averages over examples, not batches", "[trainer]") {
  ToyRun run;
  run.trainer->add_metric<Accuracy>();
  // 30 points in batches of 7: the last batch has 2.
  std::map<std::string, double> v = run.trainer->evaluate(*run.val, "");
  auto data = testing::toy_blobs(30, 4, false);  // the validation set
  run.model->eval();
  Tensor out = (*run.model)(data->inputs());
  const double full = nn::functional::cross_entropy(out, data->targets()).item<float>();
  CHECK(v.at("loss") == Approx(full).epsilon(1e-6));
  Accuracy acc;
  acc.update(out, data->targets());
  CHECK(v.at("accuracy") == acc.compute());
  CHECK(run.trainer->log().empty());         // prefix "": nothing logged
  CHECK(run.model->is_training() == false);  // left as it was
}

TEST_CASE("Trainer: a custom training step (lambda) and a subclass", "[trainer]") {
  SECTION("lambda with its own loss and extra logs") {
    ToyRun run;
    int calls = 0;
    run.trainer->set_training_step([&](Trainer& t, const data::Batch& b) {
      ++calls;
      Tensor out = t.model()(b.input);
      Tensor loss = nn::functional::cross_entropy(out, b.target) + 0.0 * sum(out * out);
      StepOutput s{loss, out, b.target, {{"calls", static_cast<double>(calls)}}};
      return s;
    });
    run.fit(1);
    CHECK(calls == 12 + 5);  // validation (5 batches of 7) runs the same step
    CHECK(run.trainer->log().history("train/calls").size() == 12);
  }
  SECTION("manual optimization: the step steps itself and returns no loss") {
    ToyRun run;
    run.trainer->set_training_step([](Trainer& t, const data::Batch& b) {
      t.optimizer().zero_grad();
      Tensor loss = nn::functional::cross_entropy(t.model()(b.input), b.target);
      loss.backward();
      t.optimizer().step();
      return StepOutput{Tensor(), Tensor(), Tensor(), {{"loss", loss.item<float>()}}};
    });
    run.trainer->set_validation_step([](Trainer& t, const data::Batch& b) {
      Tensor out = t.model()(b.input);
      return StepOutput{nn::functional::cross_entropy(out, b.target), out, b.target, {}};
    });
    run.fit(2);
    CHECK(run.trainer->optimizer_steps() == 0);               // the trainer stepped nothing
    const auto l = run.trainer->log().history("train/loss");  // the step's own "loss" log
    REQUIRE(l.size() == 24);
    CHECK(l.back().second < l.front().second);
  }
  SECTION("subclass overriding training_step") {
    struct Doubled : Trainer {
      using Trainer::Trainer;
      StepOutput training_step(const data::Batch& b) override {
        Tensor out = model()(b.input);
        return {nn::functional::cross_entropy(out, b.target) * 2.0, out, b.target, {}};
      }
    };
    ToyRun run;
    Doubled t(*run.model, *run.sgd, nullptr, ToyRun::quiet());
    t.fit(*run.train, nullptr, 1);
    CHECK(t.log().history("train/loss").size() == 12);
    CHECK(t.log().history("train/loss")[0].second > 2.0);  // twice a 3-class CE near log 3
  }
}

TEST_CASE("Trainer: gradient accumulation of k batches steps like one batch k times larger", "[trainer]") {
  // Plain SGD and no dropout, so the two differ only by summation order.
  testing::ToyOptions toy;
  toy.momentum = 0;
  toy.dropout = 0;
  toy.shuffle = false;
  toy.batch_size = 6;  // 15 batches
  TrainerOptions o = ToyRun::quiet();
  o.accumulate_grad_batches = 3;
  ToyRun accumulated(o, toy);
  accumulated.trainer->fit(*accumulated.train, nullptr, 1);
  CHECK(accumulated.trainer->optimizer_steps() == 5);

  toy.batch_size = 18;  // 5 batches
  ToyRun big(ToyRun::quiet(), toy);
  big.trainer->fit(*big.train, nullptr, 1);
  CHECK(big.trainer->optimizer_steps() == 5);
  auto a = accumulated.model->parameters(), b = big.model->parameters();
  for (size_t i = 0; i < a.size(); ++i) testing::require_close(a[i], b[i], 1e-5);
}

TEST_CASE("Trainer: step_in_backward trains bit for bit as the optimizer's step does", "[trainer]") {
  TrainerOptions in_backward = ToyRun::quiet();
  in_backward.step_in_backward = true;
  ToyRun standard, fused(in_backward);
  manual_seed(1);
  FitResult a = standard.fit(3);
  manual_seed(1);
  FitResult b = fused.fit(3);
  CHECK(a.steps == b.steps);
  CHECK(testing::param_bits(*standard.model) == testing::param_bits(*fused.model));
  CHECK(standard.trainer->log().history("train/loss") == fused.trainer->log().history("train/loss"));
  CHECK(fused.trainer->optimizer_steps() == standard.trainer->optimizer_steps());
  CHECK_FALSE(fused.sgd->steps_in_backward());  // for fit() only
  for (const Tensor& p : fused.model->parameters()) CHECK_FALSE(p.grad().defined());

  // Refused where the gradients must outlive backward.
  TrainerOptions accumulate = in_backward;
  accumulate.accumulate_grad_batches = 2;
  ToyRun accumulating(accumulate);
  CHECK_THROWS_WITH(accumulating.fit(1), Catch::Contains("accumulate_grad_batches = 1"));
  ToyRun clipped(in_backward);
  clipped.trainer->add_callback(std::make_shared<GradientClipping>(1.0));
  CHECK_THROWS_WITH(clipped.fit(1), Catch::Contains("nothing to clip"));
  CHECK_FALSE(clipped.sgd->steps_in_backward());
}

TEST_CASE("Trainer: max_steps, request_stop and the non-interactive progress lines", "[trainer]") {
  std::ostringstream out;
  TrainerOptions o;
  o.out = &out;
  o.interactive = 0;
  o.max_steps = 30;
  ToyRun run(o);
  run.trainer->add_metric<Accuracy>();
  FitResult r = run.fit(5);
  CHECK(r.steps == 30);
  CHECK(r.epochs == 2);  // epochs 0 and 1 complete, epoch 2 cut at batch 6
  CHECK(r.stop_reason == "max_steps reached");
  // One line per completed epoch, with the validation metrics.
  const std::string text = out.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);
  CHECK_THAT(text, Catch::Contains("epoch 1/5") && Catch::Contains("val/accuracy"));
}

TEST_CASE("Trainer: anomaly detection names the op of the first NaN", "[trainer]") {
  TrainerOptions o = ToyRun::quiet();
  o.detect_anomaly = true;
  ToyRun run(o);
  run.trainer->set_training_step([](Trainer& t, const data::Batch& b) {
    Tensor out = t.model()(b.input);
    Tensor bad = log(out - 1e6);  // log of a negative number: NaN
    return StepOutput{sum(bad), out, b.target, {}};
  });
  CHECK_THROWS_WITH(run.fit(1), Catch::Contains("log"));
}

TEST_CASE("Trainer rejects bad set-ups with clear errors", "[trainer]") {
  ToyRun run;
  CHECK_THROWS_WITH(run.fit(-1), Catch::Contains("epochs must be >= 0"));
  CHECK_THROWS_WITH(run.trainer->fit(*run.train, run.train.get(), 1), Catch::Contains("different"));
  run.trainer->add_callback(std::make_shared<EarlyStopping>());
  CHECK_THROWS_WITH(run.trainer->add_callback(std::make_shared<EarlyStopping>()), Catch::Contains("early_stopping"));
  CHECK_THROWS_WITH(run.trainer->set_accumulate_grad_batches(0), Catch::Contains(">= 1"));
  Trainer no_loss(*run.model, *run.sgd, nullptr, ToyRun::quiet());
  CHECK_THROWS_WITH(no_loss.fit(*run.train, nullptr, 1), Catch::Contains("loss function"));
  run.trainer->set_training_step([](Trainer& t, const data::Batch& b) {
    Tensor out = t.model()(b.input);
    return StepOutput{out, out, b.target, {}};  // a [B, 3] "loss"
  });
  CHECK_THROWS_WITH(run.fit(1), Catch::Contains("one value"));
}

TEST_CASE("Metric state: saved mid-stream and restored, the metric goes on as if never stopped", "[metrics]") {
  Generator g(5);
  Tensor logits = randn({40, 4}, g), target = randint(0, 4, {40}, g);
  Tensor pred = randn({40}, g), truth = randn({40}, g);
  auto check = [&](Metric& a, Metric& b, const Tensor& out, const Tensor& y) {
    a.update(out.narrow(0, 0, 17), y.narrow(0, 0, 17));
    b.set_state(a.state());
    a.update(out.narrow(0, 17, 23), y.narrow(0, 17, 23));
    b.update(out.narrow(0, 17, 23), y.narrow(0, 17, 23));
    CHECK(a.compute_all() == b.compute_all());
    CHECK(a.state() == b.state());
  };
  Accuracy a1, b1;
  check(a1, b1, logits, target);
  TopKAccuracy a2(2), b2(2);
  check(a2, b2, logits, target);
  ConfusionMatrix a3(4), b3(4);
  check(a3, b3, logits, target);
  MAE a4, b4;
  check(a4, b4, pred, truth);
  MSE a5, b5;
  check(a5, b5, pred, truth);
  R2 a6, b6;
  check(a6, b6, pred, truth);
  CHECK_THROWS_WITH(b3.set_state({1, 2}), Catch::Contains("expected 16"));
}
