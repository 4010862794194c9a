// Streaming metrics (trainer/metrics.h) against NumPy references
// (tests/data/make_metrics_fixtures.py) and hand-computed edge cases.
#include <cmath>

#include "helpers.h"

using namespace nabla;
using testing::load_fixture;
using testing::values;
using trainer::Average;
using trainer::ThresholdMetric;

namespace {

Tensor fixture(const std::string& name) { return load_fixture("trainer/metrics/" + name); }

// Rows [begin, end) of a tensor, as a batch.
Tensor rows(const Tensor& t, int64_t begin, int64_t end) { return t.narrow(0, begin, end - begin); }

}  // namespace

TEST_CASE("Accuracy, top-k and the confusion matrix match NumPy, streamed in uneven batches", "[metrics]") {
  Tensor logits = fixture("cls_logits"), targets = fixture("cls_targets");
  std::vector<double> expected = values(fixture("cls_expected"));
  const int64_t n = logits.size(0);

  trainer::Accuracy acc;
  trainer::TopKAccuracy top2(2), top3(3);
  trainer::ConfusionMatrix cm(5);
  // Batches of 7, 7, ..., 5: the epoch values must not be means of batch means.
  for (int64_t b = 0; b < n; b += 7) {
    const int64_t e = std::min(n, b + 7);
    Tensor x = rows(logits, b, e), y = rows(targets, b, e);
    acc.update(x, y);
    top2.update(x, y);
    top3.update(x, y);
    cm.update(x, y);
  }
  CHECK(acc.compute() == Approx(expected[0]).margin(1e-12));
  CHECK(top2.compute() == Approx(expected[1]).margin(1e-12));
  CHECK(top3.compute() == Approx(expected[2]).margin(1e-12));
  CHECK(cm.precision(Average::Macro) == Approx(expected[3]).margin(1e-12));
  CHECK(cm.recall(Average::Macro) == Approx(expected[4]).margin(1e-12));
  CHECK(cm.f1(Average::Macro) == Approx(expected[5]).margin(1e-12));
  CHECK(cm.precision(Average::Micro) == Approx(expected[6]).margin(1e-12));
  CHECK(cm.recall(Average::Micro) == Approx(expected[7]).margin(1e-12));
  CHECK(cm.f1(Average::Micro) == Approx(expected[8]).margin(1e-12));
  CHECK(cm.matrix().dtype() == kInt64);
  CHECK(values(cm.matrix()) == values(fixture("cls_confusion")));
  CHECK(cm.total() == n);
  CHECK(top2.name() == "top2_accuracy");

  // Single-label multiclass: micro precision = recall = F1 = accuracy.
  CHECK(cm.f1(Average::Micro) == Approx(acc.compute()).margin(1e-15));
  CHECK(cm.accuracy() == Approx(acc.compute()).margin(1e-15));

  std::map<std::string, double> all = cm.compute_all();
  CHECK(all.at("f1_macro") == Approx(expected[5]).margin(1e-12));
  CHECK(all.at("accuracy") == Approx(expected[0]).margin(1e-12));
  CHECK(all.size() == 7);

  // reset() forgets; float32 logits give the same counts.
  acc.reset();
  CHECK(std::isnan(acc.compute()));
  acc.update(logits.astype(kFloat32), targets);
  CHECK(acc.compute() == Approx(expected[0]).margin(1e-12));
}

TEST_CASE("update returns the batch value, compute the epoch value", "[metrics]") {
  trainer::Accuracy acc;
  // Batch 1: 2 of 2 right; batch 2: 1 of 4 right -> epoch 3/6, not (1 + 0.25) / 2.
  Tensor x1 = tensor({{2, 1}, {0, 3}}), y1 = from_vector(std::vector<int64_t>{0, 1});
  Tensor x2 = tensor({{2, 1}, {2, 1}, {2, 1}, {2, 1}}), y2 = from_vector(std::vector<int64_t>{0, 1, 1, 1});
  CHECK(acc.update(x1, y1) == 1.0);
  CHECK(acc.update(x2, y2) == 0.25);
  CHECK(acc.compute() == 0.5);
  CHECK(acc.correct() == 3);
  CHECK(acc.total() == 6);
}

TEST_CASE("Accuracy from binary probabilities uses the threshold", "[metrics]") {
  Tensor p = tensor({0.1, 0.4, 0.6, 0.9, 0.5}), y = from_vector(std::vector<int64_t>{0, 1, 1, 1, 0});
  trainer::Accuracy half;  // predictions 0 0 1 1 1 -> right: 0, 2, 3
  CHECK(half.update(p, y) == Approx(3.0 / 5));
  trainer::Accuracy low(0.3);  // predictions 0 1 1 1 1 -> right: 0, 1, 2, 3
  CHECK(low.update(p.reshape({5, 1}), y.astype(kFloat32)) == Approx(4.0 / 5));
}

TEST_CASE("confusion-matrix metrics: perfect, all wrong, absent classes", "[metrics]") {
  SECTION("perfect predictions") {
    trainer::ConfusionMatrix cm(3);
    Tensor y = from_vector(std::vector<int64_t>{0, 1, 2, 2, 1});
    cm.update_indices(y, y);
    CHECK(cm.accuracy() == 1.0);
    CHECK(cm.precision() == 1.0);
    CHECK(cm.recall() == 1.0);
    CHECK(cm.f1() == 1.0);
    CHECK(cm.f1(Average::Micro) == 1.0);
  }
  SECTION("all wrong") {
    trainer::ConfusionMatrix cm(3);
    cm.update_indices(from_vector(std::vector<int64_t>{1, 2, 0, 0}), from_vector(std::vector<int64_t>{0, 1, 2, 1}));
    CHECK(cm.accuracy() == 0.0);
    CHECK(cm.f1() == 0.0);
    CHECK(cm.f1(Average::Micro) == 0.0);
    CHECK(cm.precision(Average::Macro) == 0.0);
  }
  SECTION("a class in neither targets nor predictions is left out of the macro mean") {
    // Classes 0..3, class 3 never seen. Hand count:
    //   targets   0 0 1 1 2 2
    //   predicted 0 1 1 1 2 0
    //   class 0: TP 1 FP 1 FN 1 -> P 1/2 R 1/2 F1 1/2
    //   class 1: TP 2 FP 1 FN 0 -> P 2/3 R 1   F1 4/5
    //   class 2: TP 1 FP 0 FN 1 -> P 1   R 1/2 F1 2/3
    trainer::ConfusionMatrix cm(4);
    cm.update_indices(from_vector(std::vector<int64_t>{0, 1, 1, 1, 2, 0}),
                      from_vector(std::vector<int64_t>{0, 0, 1, 1, 2, 2}));
    CHECK(cm.precision() == Approx((0.5 + 2.0 / 3 + 1) / 3));
    CHECK(cm.recall() == Approx((0.5 + 1 + 0.5) / 3));
    CHECK(cm.f1() == Approx((0.5 + 0.8 + 2.0 / 3) / 3));
    CHECK(cm.f1(Average::Micro) == Approx(4.0 / 6));
    std::vector<double> f1 = cm.f1_per_class();
    CHECK(f1[3] == 0.0);
    CHECK(cm.count(0, 1) == 1);
    CHECK(cm.count(2, 0) == 1);
  }
  SECTION("a predicted-only class counts in the macro mean with precision 0") {
    // targets 0 0, predicted 0 1: class 1 has FP 1 -> P 0, R 0, F1 0.
    trainer::ConfusionMatrix cm(2);
    cm.update_indices(from_vector(std::vector<int64_t>{0, 1}), from_vector(std::vector<int64_t>{0, 0}));
    // class 0: P 1, R 1/2, F1 2/3
    CHECK(cm.precision() == Approx(0.5));
    CHECK(cm.recall() == Approx(0.25));
    CHECK(cm.f1() == Approx(1.0 / 3));
  }
  SECTION("empty") {
    trainer::ConfusionMatrix cm(3);
    CHECK(std::isnan(cm.f1()));
    CHECK(std::isnan(cm.accuracy()));
  }
}

TEST_CASE("TopKAccuracy with k = C is 1, ties favour the target", "[metrics]") {
  Tensor x = tensor({{0.1, 0.5, 0.4}, {0.3, 0.3, 0.3}}), y = from_vector(std::vector<int64_t>{0, 2});
  trainer::TopKAccuracy top3(3), top1(1);
  CHECK(top3.update(x, y) == 1.0);
  // Row 0: the target scores lowest (rank 2); row 1: all tie (rank 0).
  CHECK(top1.update(x, y) == 0.5);
}

TEST_CASE("MAE, MSE and R2 match NumPy, streamed", "[metrics]") {
  Tensor out = fixture("reg_output"), tgt = fixture("reg_target");
  std::vector<double> expected = values(fixture("reg_expected"));
  trainer::MAE mae;
  trainer::MSE mse;
  trainer::R2 r2;
  for (int64_t b = 0; b < out.size(0); b += 8) {
    const int64_t e = std::min(out.size(0), b + 8);
    mae.update(rows(out, b, e), rows(tgt, b, e));
    mse.update(rows(out, b, e), rows(tgt, b, e));
    r2.update(rows(out, b, e), rows(tgt, b, e));
  }
  CHECK(mae.compute() == Approx(expected[0]).epsilon(1e-12));
  CHECK(mse.compute() == Approx(expected[1]).epsilon(1e-12));
  CHECK(r2.compute() == Approx(expected[2]).epsilon(1e-12));

  // Edge cases of R2: perfect -> 1; constant targets -> 1 if exact else 0.
  trainer::R2 perfect, constant;
  CHECK(perfect.update(tensor({1, 2, 3}), tensor({1, 2, 3})) == 1.0);
  CHECK(constant.update(tensor({1, 2, 3}), tensor({2, 2, 2})) == 0.0);
  // Predicting the mean gives R2 = 0 exactly.
  trainer::R2 mean_only;
  CHECK(mean_only.update(tensor({2, 2, 2}), tensor({1, 2, 3})) == Approx(0.0).margin(1e-15));
}

TEST_CASE("metrics accept tensors that require grad and record nothing", "[metrics]") {
  Tensor x = tensor({{2, 1}, {0, 3}}).requires_grad_();
  trainer::Accuracy acc;
  CHECK(acc.update(x * 2, from_vector(std::vector<int64_t>{0, 1})) == 1.0);
  trainer::MSE mse;
  CHECK(mse.update(x, tensor({{2, 1}, {0, 1}})) == 1.0);
}

TEST_CASE("best_threshold picks the threshold on a hand-made example", "[metrics]") {
  // probs   0.1 0.3 0.35 0.6 0.8 0.9
  // targets 0   1   0    1   1   0
  // t = 0.9: TP 0 -> F1 0;  t = 0.8: TP 1 FP 1 FN 2 -> 2/5;  t = 0.6: TP 2 FP 1 FN 1 -> 4/6
  // t = 0.35: TP 2 FP 2 FN 1 -> 4/7;  t = 0.3: TP 3 FP 2 -> 6/8;  t = 0.1: TP 3 FP 3 -> 6/9
  Tensor p = tensor({0.6, 0.1, 0.9, 0.3, 0.8, 0.35}), y = from_vector(std::vector<int64_t>{1, 0, 0, 1, 1, 0});
  trainer::ThresholdResult f1 = trainer::best_threshold(p, y);
  CHECK(f1.threshold == Approx(0.3));
  CHECK(f1.value == Approx(0.75));
  // Accuracy: t=0.9 2/6, 0.8 3/6, 0.6 4/6, 0.35 3/6, 0.3 4/6, 0.1 3/6: tie 0.6 / 0.3 -> the higher, 0.6.
  trainer::ThresholdResult a = trainer::best_threshold(p, y, ThresholdMetric::Accuracy);
  CHECK(a.threshold == Approx(0.6));
  CHECK(a.value == Approx(4.0 / 6));
  REQUIRE_THROWS_AS(trainer::best_threshold(p, tensor({1, 0})), Error);
  REQUIRE_THROWS_AS(trainer::best_threshold(p, tensor({1, 0, 2, 0, 1, 0})), Error);
}

TEST_CASE("best_threshold matches a brute-force NumPy search", "[metrics]") {
  Tensor p = fixture("thr_probs"), y = fixture("thr_targets");
  std::vector<double> expected = values(fixture("thr_expected"));
  const ThresholdMetric metrics[] = {ThresholdMetric::F1, ThresholdMetric::Accuracy, ThresholdMetric::BalancedAccuracy};
  for (int i = 0; i < 3; ++i) {
    trainer::ThresholdResult r = trainer::best_threshold(p, y, metrics[i]);
    INFO("metric " << i);
    CHECK(r.threshold == expected[2 * i]);
    CHECK(r.value == Approx(expected[2 * i + 1]).epsilon(1e-12));
  }
}

TEST_CASE("metrics reject bad input with nabla::Error", "[metrics]") {
  trainer::Accuracy acc;
  REQUIRE_THROWS_WITH(acc.update(tensor({{1, 2}, {3, 4}}), from_vector(std::vector<int64_t>{0, 1, 1})),
                      Catch::Contains("Accuracy.update") && Catch::Contains("batch size"));
  REQUIRE_THROWS_WITH(acc.update(tensor({{1, 2}}), from_vector(std::vector<int64_t>{2})),
                      Catch::Contains("not a class index"));
  trainer::ConfusionMatrix cm(3);
  REQUIRE_THROWS_AS(cm.update(tensor({{1, 2}}), from_vector(std::vector<int64_t>{0})), Error);
  REQUIRE_THROWS_AS(trainer::TopKAccuracy(0), Error);
  trainer::MAE mae;
  REQUIRE_THROWS_AS(mae.update(tensor({1, 2}), tensor({1, 2, 3})), Error);
}
