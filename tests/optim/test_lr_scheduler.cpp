// Learning-rate schedulers against PyTorch 1.13's lr sequences (and
// OneCycleLR's momentum), state_dict round trips, and misuse.
#include <functional>
#include <memory>

#include "optim_helpers.h"

using namespace nabla;
using optim_testing::fixture;

namespace {

// Two groups with lrs 0.1 and 0.02, as two_group_optimizer() in the script.
struct TwoGroups {
  Tensor a = zeros({1}).requires_grad_(), b = zeros({1}).requires_grad_();
  std::unique_ptr<optim::Optimizer> opt;
  explicit TwoGroups(bool adam = false) {
    std::vector<optim::ParamGroup> groups{{{a}, {{"lr", 0.1}}}, {{b}, {{"lr", 0.02}}}};
    if (adam)
      opt = std::make_unique<optim::Adam>(groups);
    else
      opt = std::make_unique<optim::SGD>(groups, optim::Options{{"lr", 0.1}, {"momentum", 0.9}});
  }
  std::vector<double> option(const std::string& name) const {
    return {opt->param_groups()[0].get(name), opt->param_groups()[1].get(name)};
  }
};

// Compares rows of per-group values with a [steps + 1, groups] fixture.
void check_rows(const std::vector<std::vector<double>>& rows, const std::string& fixture_name) {
  Tensor expected = fixture(fixture_name);
  REQUIRE(expected.shape() == Shape{static_cast<int64_t>(rows.size()), 2});
  std::vector<double> want = testing::values(expected), got;
  for (const auto& row : rows) got.insert(got.end(), row.begin(), row.end());
  INFO(fixture_name);
  CHECK(optim_testing::max_abs_error(got, want) < 1e-12);
}

// get_last_lr() after construction and after each step; `step` advances.
std::vector<std::vector<double>> lr_rows(optim::LRScheduler& s, int steps, const std::function<void(int)>& step) {
  std::vector<std::vector<double>> rows{s.get_last_lr()};
  for (int k = 0; k < steps; ++k) {
    step(k);
    rows.push_back(s.get_last_lr());
    CHECK(rows.back()[0] == s.optimizer().param_groups()[0].lr());  // written into the optimizer
  }
  return rows;
}
std::vector<std::vector<double>> lr_rows(optim::LRScheduler& s, int steps) {
  return lr_rows(s, steps, [&s](int) { s.step(); });
}

}  // namespace

TEST_CASE("optim: StepLR, MultiStepLR, ExponentialLR match PyTorch", "[optim]") {
  {
    TwoGroups t;
    optim::StepLR s(*t.opt, 3, 0.5);
    check_rows(lr_rows(s, 25), "lr_step");
    CHECK(s.last_epoch() == 25);
    CHECK(s.base_lrs() == std::vector<double>{0.1, 0.02});
    CHECK(t.option("initial_lr") == std::vector<double>{0.1, 0.02});
  }
  {
    TwoGroups t;
    optim::MultiStepLR s(*t.opt, {2, 5, 5, 9}, 0.3);
    check_rows(lr_rows(s, 15), "lr_multistep");
  }
  {
    TwoGroups t;
    optim::ExponentialLR s(*t.opt, 0.9);
    check_rows(lr_rows(s, 25), "lr_exponential");
  }
}

TEST_CASE("optim: CosineAnnealingLR and CosineAnnealingWarmRestarts match PyTorch", "[optim]") {
  {
    TwoGroups t;
    optim::CosineAnnealingLR s(*t.opt, 10, 0.001);
    check_rows(lr_rows(s, 45), "lr_cosine");  // past T_max: the recursive form climbs back
  }
  {
    TwoGroups t;
    optim::CosineAnnealingWarmRestarts s(*t.opt, 4, 2, 0.0005);
    check_rows(lr_rows(s, 40), "lr_warm_restarts");
  }
  {
    TwoGroups t;
    optim::CosineAnnealingWarmRestarts s(*t.opt, 5);
    check_rows(lr_rows(s, 23), "lr_warm_restarts_t1");
  }
  {
    TwoGroups t;
    optim::CosineAnnealingWarmRestarts s(*t.opt, 3, 2);
    // Once per batch, 4 batches an epoch: step(epoch + batch / 4).
    auto rows = lr_rows(s, 40, [&s](int k) { s.step(static_cast<double>(k / 4) + (k % 4) / 4.0); });
    check_rows(rows, "lr_warm_restarts_frac");
  }
}

TEST_CASE("optim: OneCycleLR matches PyTorch, lr and momentum", "[optim]") {
  {
    TwoGroups t;
    optim::OneCycleLR s(*t.opt, {1.0, 0.4}, 30);
    std::vector<std::vector<double>> momentum{t.option("momentum")};
    auto rows = lr_rows(s, 30, [&](int) {
      s.step();
      momentum.push_back(t.option("momentum"));
    });
    check_rows(rows, "lr_onecycle_cos");
    check_rows(momentum, "momentum_onecycle_cos");
    CHECK(t.option("max_lr") == std::vector<double>{1.0, 0.4});
    REQUIRE_THROWS_WITH(s.step(), Catch::Contains("tried to step 32 times; total_steps is 30"));
  }
  {
    TwoGroups t(/*adam=*/true);
    optim::OneCycleOptions o;
    o.pct_start = 0.25;
    o.anneal_strategy = "linear";
    o.three_phase = true;
    o.div_factor = 10.0;
    o.final_div_factor = 100.0;
    o.base_momentum = 0.8;
    o.max_momentum = 0.9;
    optim::OneCycleLR s(*t.opt, {0.5}, 25, o);  // one max_lr for both groups
    std::vector<std::vector<double>> beta1{t.option("beta1")};
    auto rows = lr_rows(s, 25, [&](int) {
      s.step();
      beta1.push_back(t.option("beta1"));
    });
    check_rows(rows, "lr_onecycle_linear3");
    check_rows(beta1, "momentum_onecycle_linear3");
  }
}

TEST_CASE("optim: LinearWarmup matches PyTorch's LinearLR and SequentialLR", "[optim]") {
  {
    TwoGroups t;
    optim::LinearWarmup s(*t.opt, 4, 0.25);
    check_rows(lr_rows(s, 10), "lr_warmup");
  }
  {
    TwoGroups t;
    auto cosine = std::make_shared<optim::CosineAnnealingLR>(*t.opt, 15);
    optim::LinearWarmup s(*t.opt, 5, 0.1, cosine);
    check_rows(lr_rows(s, 30), "lr_warmup_cosine");
    CHECK(cosine->last_epoch() == 25);  // it took over at step 5, from epoch 0
  }
  {
    TwoGroups t;
    auto step = std::make_shared<optim::StepLR>(*t.opt, 2, 0.5);
    optim::LinearWarmup s(*t.opt, 3, 0.5, step);
    check_rows(lr_rows(s, 15), "lr_warmup_step");
  }
  {
    TwoGroups t;
    auto restarts = std::make_shared<optim::CosineAnnealingWarmRestarts>(*t.opt, 4, 2);
    optim::LinearWarmup s(*t.opt, 3, 0.2, restarts);
    check_rows(lr_rows(s, 20), "lr_warmup_restarts");
  }
}

TEST_CASE("optim: ReduceLROnPlateau matches PyTorch on a scripted metric", "[optim]") {
  std::vector<double> metrics = testing::values(fixture("plateau_metrics"));
  auto run = [&](optim::PlateauOptions o, double sign) {
    TwoGroups t;
    optim::ReduceLROnPlateau s(*t.opt, o);
    std::vector<std::vector<double>> rows{t.option("lr")};
    for (double m : metrics) {
      s.step(sign * m);
      rows.push_back(t.option("lr"));
      CHECK(s.get_last_lr() == rows.back());
    }
    return rows;
  };
  optim::PlateauOptions min_rel;
  min_rel.factor = 0.5;
  min_rel.patience = 2;
  min_rel.threshold = 0.01;
  min_rel.min_lr = {0.001, 0.0005};
  check_rows(run(min_rel, 1.0), "plateau_min_rel");

  optim::PlateauOptions max_abs;
  max_abs.mode = "max";
  max_abs.factor = 0.2;
  max_abs.patience = 1;
  max_abs.threshold = 0.05;
  max_abs.threshold_mode = "abs";
  max_abs.cooldown = 2;
  max_abs.min_lr = {0.003};
  check_rows(run(max_abs, -1.0), "plateau_max_abs");
}

TEST_CASE("optim: scheduler state_dict round trip continues exactly", "[optim]") {
  using Make = std::function<std::shared_ptr<optim::LRScheduler>(optim::Optimizer&)>;
  std::vector<std::pair<std::string, Make>> makers = {
      {"StepLR", [](optim::Optimizer& o) { return std::make_shared<optim::StepLR>(o, 3, 0.5); }},
      {"MultiStepLR",
       [](optim::Optimizer& o) {
         return std::make_shared<optim::MultiStepLR>(o, std::vector<int64_t>{4, 9});
       }},
      {"ExponentialLR", [](optim::Optimizer& o) { return std::make_shared<optim::ExponentialLR>(o, 0.9); }},
      {"CosineAnnealingLR", [](optim::Optimizer& o) { return std::make_shared<optim::CosineAnnealingLR>(o, 6); }},
      {"CosineAnnealingWarmRestarts",
       [](optim::Optimizer& o) { return std::make_shared<optim::CosineAnnealingWarmRestarts>(o, 3, 2); }},
      {"OneCycleLR",
       [](optim::Optimizer& o) { return std::make_shared<optim::OneCycleLR>(o, std::vector<double>{0.5}, 16); }},
      {"LinearWarmup+cosine",
       [](optim::Optimizer& o) {
         return std::make_shared<optim::LinearWarmup>(o, 4, 0.1, std::make_shared<optim::CosineAnnealingLR>(o, 10));
       }},
  };
  for (const auto& [name, make] : makers) {
    INFO(name);
    TwoGroups straight;
    auto s = make(*straight.opt);
    std::vector<std::vector<double>> want = lr_rows(*s, 15);

    TwoGroups first;
    auto s1 = make(*first.opt);
    lr_rows(*s1, 7);
    StateDict opt_state = first.opt->state_dict(), sched_state = s1->state_dict();
    TwoGroups second;
    auto s2 = make(*second.opt);
    second.opt->load_state_dict(opt_state);  // the current lrs (and momentum) live here
    s2->load_state_dict(sched_state);
    std::vector<std::vector<double>> got = lr_rows(*s2, 8);
    CHECK(std::vector<std::vector<double>>(want.begin() + 7, want.end()) == got);
    CHECK(s2->last_epoch() == 15);
    CHECK(second.option("momentum") == straight.option("momentum"));
  }
  {
    INFO("ReduceLROnPlateau");
    optim::PlateauOptions o;
    o.patience = 1;
    std::vector<double> metrics = {1, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9};
    TwoGroups straight, first, second;
    optim::ReduceLROnPlateau s(*straight.opt, o), s1(*first.opt, o), s2(*second.opt, o);
    for (double m : metrics) s.step(m);
    for (size_t i = 0; i < 4; ++i) s1.step(metrics[i]);
    second.opt->load_state_dict(first.opt->state_dict());
    s2.load_state_dict(s1.state_dict());
    for (size_t i = 4; i < metrics.size(); ++i) s2.step(metrics[i]);
    CHECK(s2.get_last_lr() == s.get_last_lr());
    CHECK(s2.best() == s.best());
    CHECK(s2.num_bad_epochs() == s.num_bad_epochs());
  }
}

TEST_CASE("optim: scheduler misuse is a clear error", "[optim]") {
  TwoGroups t;
  REQUIRE_THROWS_WITH(optim::StepLR(*t.opt, 0), Catch::Contains("step_size must be positive"));
  REQUIRE_THROWS_WITH(optim::CosineAnnealingWarmRestarts(*t.opt, 0), Catch::Contains("T_0"));
  REQUIRE_THROWS_WITH(optim::OneCycleLR(*t.opt, {0.1, 0.2, 0.3}, 10), Catch::Contains("expected 2 values for max_lr"));
  optim::OneCycleOptions bad_anneal;
  bad_anneal.anneal_strategy = "cosine";
  REQUIRE_THROWS_WITH(optim::OneCycleLR(*t.opt, {0.1}, 10, bad_anneal), Catch::Contains("anneal_strategy"));

  Tensor w = zeros({2}).requires_grad_();
  optim::Adagrad adagrad({w});
  REQUIRE_THROWS_WITH(optim::OneCycleLR(adagrad, {0.1}, 10), Catch::Contains("no momentum to cycle"));
  optim::OneCycleOptions no_momentum;
  no_momentum.cycle_momentum = false;
  optim::OneCycleLR fine(adagrad, {0.1}, 10, no_momentum);
  CHECK(adagrad.param_groups()[0].lr() == Approx(0.1 / 25));

  auto other = std::make_shared<optim::StepLR>(adagrad, 2);
  REQUIRE_THROWS_WITH(optim::LinearWarmup(*t.opt, 3, 0.1, other), Catch::Contains("same optimizer"));
  REQUIRE_THROWS_WITH(optim::LinearWarmup(*t.opt, 0), Catch::Contains("warmup_steps must be positive"));

  optim::PlateauOptions bad_mode;
  bad_mode.mode = "minimum";
  REQUIRE_THROWS_WITH(optim::ReduceLROnPlateau(*t.opt, bad_mode), Catch::Contains("mode must be 'min' or 'max'"));
  optim::PlateauOptions bad_factor;
  bad_factor.factor = 1.0;
  REQUIRE_THROWS_WITH(optim::ReduceLROnPlateau(*t.opt, bad_factor), Catch::Contains("factor should be < 1.0"));

  // A state for two groups does not load into a one-group optimizer.
  optim::StepLR two(*t.opt, 2);
  optim::StepLR one(adagrad, 2);
  REQUIRE_THROWS_WITH(one.load_state_dict(two.state_dict()), Catch::Contains("2 parameter group(s)"));
  REQUIRE_THROWS_WITH(one.load_state_dict(StateDict()), Catch::Contains("no entry 'base_lrs'"));
}
