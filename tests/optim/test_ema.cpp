// ModelEma against a reference computed with torch (timm's ModelEmaV2 rule).
#include "optim_helpers.h"

using namespace nabla;
using optim_testing::fixture;

namespace {
// A [3, 4] and a [5] tensor holding the first 12 and last 5 values of `flat`.
void assign(std::vector<Tensor> ts, const Tensor& flat) {  // handles: the data is shared
  NoGradGuard g;
  ts[0].reshape({12}).copy_(flat.narrow(0, 0, 12));
  ts[1].copy_(flat.narrow(0, 12, 5));
}
std::vector<double> flat_of(const StateDict& sd) {
  std::vector<double> out;
  for (const auto& item : sd) {
    std::vector<double> v = testing::values(item.second);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}
}  // namespace

TEST_CASE("optim: ModelEma matches the reference, with and without warmup", "[optim]") {
  Tensor values = fixture("ema_values");  // [12, 17]: the weights after each "step"
  for (bool warmup : {false, true}) {
    INFO("warmup " << warmup);
    std::vector<Tensor> weights = {zeros({3, 4}).requires_grad_(), zeros({5}).requires_grad_()};
    assign(weights, fixture("ema_initial"));
    optim::ModelEma ema(weights, 0.9, warmup);
    Tensor want = fixture(warmup ? "ema_warmup" : "ema_plain");
    for (int64_t n = 0; n < 12; ++n) {
      if (warmup) CHECK(ema.current_decay() == std::min(0.9, (1.0 + n) / (10.0 + n)));
      assign(weights, values[n]);
      ema.update();
      CHECK(optim_testing::max_rel_error(flat_of(ema.shadow()), testing::values(want[n]), 1e-2) < 1e-6);
    }
    CHECK(ema.num_updates() == 12);
  }
}

TEST_CASE("optim: ModelEma copy_to, store/restore and state_dict", "[optim]") {
  std::vector<Tensor> weights = {ones({2, 2}).requires_grad_(), zeros({3}, kInt64)};
  optim::ModelEma ema(weights, 0.5);
  {
    NoGradGuard g;
    weights[0].fill_(3.0);
    weights[1].fill_(7);
  }
  ema.update();  // 0.5·1 + 0.5·3 = 2; the int64 tensor is copied
  CHECK(testing::values(ema.shadow().at("0")) == std::vector<double>(4, 2.0));
  CHECK(testing::values(ema.shadow().at("1")) == std::vector<double>(3, 7.0));

  ema.store();
  ema.copy_to();
  CHECK(testing::values(weights[0]) == std::vector<double>(4, 2.0));
  ema.restore();
  CHECK(testing::values(weights[0]) == std::vector<double>(4, 3.0));
  REQUIRE_THROWS_WITH(ema.restore(), Catch::Contains("call store() first"));

  StateDict sd = ema.state_dict();
  CHECK(sd.at("num_updates").item<int64_t>() == 1);
  optim::ModelEma other(weights, 0.5);
  other.load_state_dict(sd);
  CHECK(other.num_updates() == 1);
  CHECK(testing::values(other.shadow().at("0")) == std::vector<double>(4, 2.0));
  other.update();
  ema.update();
  CHECK(flat_of(other.shadow()) == flat_of(ema.shadow()));

  StateDict bad = sd;
  bad.insert("shadow.0", zeros({4}));
  REQUIRE_THROWS_WITH(other.load_state_dict(bad), Catch::Contains("'shadow.0' has shape (4,)"));
  REQUIRE_THROWS_WITH(optim::ModelEma(weights, 1.5), Catch::Contains("decay must be in [0, 1]"));
}

namespace {
struct Tiny : nn::Module {
  Tensor w, running, count;
  Tiny() : Module("Tiny") {
    w = register_parameter("w", ones({2}));
    running = register_buffer("running", zeros({2}));
    count = register_buffer("count", zeros({1}, kInt64));
  }
};
}  // namespace

TEST_CASE("optim: ModelEma of a module averages parameters and float buffers", "[optim]") {
  Tiny model, eval_copy;
  optim::ModelEma ema(model, 0.75);
  {
    NoGradGuard g;
    model.w.fill_(5.0);
    model.running.fill_(4.0);
    model.count.fill_(3);
  }
  ema.update();
  StateDict shadow = ema.shadow();
  CHECK(testing::values(shadow.at("w")) == std::vector<double>{2.0, 2.0});        // 0.75·1 + 0.25·5
  CHECK(testing::values(shadow.at("running")) == std::vector<double>{1.0, 1.0});  // 0.75·0 + 0.25·4
  CHECK(testing::values(shadow.at("count")) == std::vector<double>{3.0});         // copied
  ema.copy_to(eval_copy);
  CHECK(testing::values(eval_copy.w) == std::vector<double>{2.0, 2.0});
  CHECK(testing::values(model.w) == std::vector<double>{5.0, 5.0});  // the live model is untouched
}
