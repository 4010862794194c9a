// capture() / CapturedStep::replay() (tensor/capture.h): a replayed step
// computes exactly what the eager step computes, keeps its memory alive,
// re-checks what it checked on the host, and refuses what it cannot replay.
#include <cstring>

#include "../helpers.h"

using namespace nabla;

namespace {

// A small classifier, its optimizer and a static batch of indices: two of
// these built alike train identically, one eagerly and one by replay.
struct Trainer {
  nn::MLP model;
  std::unique_ptr<optim::Optimizer> opt;
  Tensor idx = zeros({8}, TensorOptions(kInt64));
  Tensor loss;

  explicit Trainer(bool adam) : model((manual_seed(7), 12), {16, 8}, 5) {
    if (adam)
      opt = std::make_unique<optim::Adam>(model.parameters(), optim::Options{{"lr", 0.01}});
    else
      opt = std::make_unique<optim::SGD>(model.parameters(), optim::Options{{"lr", 0.05}, {"momentum", 0.9}});
  }
  void step(const Tensor& x_all, const Tensor& y_all) {
    Tensor x = index_select(x_all, 0, idx), y = index_select(y_all, 0, idx);
    loss = nn::functional::cross_entropy(model(x), y);
    opt->zero_grad();
    loss.backward();
    opt->step();
  }
  void set_batch(int64_t b) {
    int64_t* p = idx.data<int64_t>();
    for (int64_t i = 0; i < 8; ++i) p[i] = (b * 8 + i * 5) % 40;
  }
  void set_lr(double lr) {
    for (auto& g : opt->param_groups()) g.set_lr(lr);
  }
};

double max_param_diff(Trainer& a, Trainer& b) {
  double d = 0;
  auto pa = a.model.parameters(), pb = b.model.parameters();
  for (size_t i = 0; i < pa.size(); ++i) d = std::max(d, max(abs(pa[i] - pb[i])).item());
  return d;
}

// 40 examples of 12 features in 5 classes.
struct Data {
  Tensor x, y;
  Data() {
    Generator g(3);
    x = randn({40, 12}, g);
    y = randint(0, 5, {40}, g);
  }
};

}  // namespace

TEST_CASE("a replayed training step computes exactly what the eager step does", "[capture]") {
  for (bool adam : {false, true}) {
    INFO((adam ? "Adam" : "SGD with momentum"));
    Data data;
    Trainer eager(adam), replayed(adam);
    eager.set_batch(0);
    eager.step(data.x, data.y);
    replayed.set_batch(0);
    // Captured at the very first step: the optimizer's state is made then,
    // and each replay updates with the state it finds (momentum, Adam's step).
    CapturedStep step = capture([&] { replayed.step(data.x, data.y); });
    REQUIRE(step.size() > 0);
    REQUIRE(max_param_diff(eager, replayed) == 0.0);
    for (int64_t b = 1; b <= 12; ++b) {
      if (b == 7) {  // a learning-rate change reaches the replay
        eager.set_lr(0.002);
        replayed.set_lr(0.002);
      }
      eager.set_batch(b);
      eager.step(data.x, data.y);
      replayed.set_batch(b);
      step.replay();
      REQUIRE(replayed.loss.item() == eager.loss.item());
    }
    CHECK(max_param_diff(eager, replayed) == 0.0);
    // The gradients the replay wrote are the parameters' .grad.
    auto ge = eager.model.parameters(), gr = replayed.model.parameters();
    for (size_t i = 0; i < ge.size(); ++i) CHECK(max(abs(ge[i].grad() - gr[i].grad())).item() == 0.0);
  }
}

TEST_CASE("a captured step keeps the memory its kernels use", "[capture]") {
  Tensor x = full({64}, 2.0), out;
  // t is freed when the function returns; its memory must not be handed out again.
  CapturedStep step = capture([&] {
    Tensor t = x * 3.0;
    out = t + 1.0;
  });
  // Blocks of the same size as t: the allocator would give t's memory to one of them.
  std::vector<Tensor> others;
  for (int i = 0; i < 8; ++i) others.push_back(full({64}, -5.0));
  x.fill_(4.0);
  x = Tensor();  // the step keeps x's memory too
  step.replay();
  CHECK(testing::values(out) == std::vector<double>(64, 13.0));
  for (const Tensor& o : others) CHECK(testing::values(o) == std::vector<double>(64, -5.0));
}

TEST_CASE("a replay checks index bounds and targets again on the values it finds", "[capture]") {
  Data data;
  Trainer t(false);
  t.set_batch(0);
  CapturedStep step = capture([&] { t.step(data.x, data.y); });

  t.idx.data<int64_t>()[3] = 40;  // one past the last row
  CHECK_THROWS_WITH(step.replay(), Catch::Contains("index_select") && Catch::Contains("index 40 is out of bounds"));
  t.set_batch(1);
  CHECK_NOTHROW(step.replay());

  // A target row the loss would now ignore changes the mean's denominator.
  Tensor ys = data.y.clone();
  Tensor loss;
  Tensor logits = randn({8, 5});
  CapturedStep ce = capture([&] { loss = nn::functional::cross_entropy(logits, ys.narrow(0, 0, 8)); });
  ys.data<int64_t>()[2] = -100;  // the default ignore_index
  CHECK_THROWS_WITH(ce.replay(), Catch::Contains("cross_entropy") && Catch::Contains("total weight is 7"));
  ys.data<int64_t>()[2] = 9;  // no such class
  CHECK_THROWS_WITH(ce.replay(), Catch::Contains("target class 9 is out of range"));
}

TEST_CASE("what a replay could not repeat is refused while capturing", "[capture]") {
  Tensor x = randn({6}), loss;
  CHECK_THROWS_WITH(capture([&] { (void)sum(x).item(); }), Catch::Contains("item") && Catch::Contains("host"));
  CHECK_THROWS_WITH(capture([&] { (void)randn({3}); }), Catch::Contains("random"));
  CHECK_THROWS_WITH(capture([&] { (void)masked_select(x, x > 0.0); }), Catch::Contains("masked_select"));
  CHECK_THROWS_WITH(capture([&] { (void)capture([] {}); }), Catch::Contains("capture inside capture"));
  {
    autograd::DetectAnomalyGuard anomaly;
    CHECK_THROWS_WITH(capture([&] { (void)exp(x); }), Catch::Contains("detect_anomaly"));
  }
  CHECK_THROWS_WITH(CapturedStep().replay(), Catch::Contains("holds no step"));
  // After a refused capture nothing records any more, and a capture works.
  CHECK(kernels::recording_tape() == nullptr);
  CHECK_FALSE(detail::capturing());
  CapturedStep ok = capture([&] { loss = sum(x * x); });
  x.fill_(1.0);
  ok.replay();
  CHECK(loss.item() == 6.0);
}

TEST_CASE("a replay whose optimizer is gone refuses to run", "[capture]") {
  Data data;
  CapturedStep step;
  {
    Trainer t(false);
    step = capture([&] { t.step(data.x, data.y); });
  }
  CHECK_THROWS_WITH(step.replay(), Catch::Contains("optimizer") && Catch::Contains("destroyed"));
}
