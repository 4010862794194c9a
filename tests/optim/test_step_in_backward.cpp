// Optimizer::step_in_backward: the updates made inside backward (and, for
// SGD with momentum, fused into the weight-gradient GEMM) are the ones
// zero_grad/backward/step makes, bit for bit; and the misuses it refuses.
#include <catch2/catch.hpp>
#include <functional>
#include <memory>

#include "helpers.h"

using namespace nabla;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>&)>;

template <class O>
MakeOptimizer make(optim::Options options) {
  return [options](const std::vector<Tensor>& p) { return std::make_unique<O>(p, options); };
}

// A batch like the benchmark MLP's: inputs half zeros (as images' dark
// pixels), so the zero-skipping GEMM tiles and the dense ones both run.
struct Batch {
  Tensor x, y;
};
Batch batch(int64_t rows, int64_t in, int64_t classes, uint64_t seed) {
  Generator g(seed);
  Tensor u = rand({rows, in}, g);
  return {where(u > 0.5, u, zeros_like(u)), randint(0, classes, {rows}, g)};
}

// The largest |a - b| over every parameter of the two models.
double max_diff(nn::Module& a, nn::Module& b) {
  const std::vector<Tensor> pa = a.parameters(), pb = b.parameters();
  double worst = 0;
  for (size_t i = 0; i < pa.size(); ++i) worst = std::max(worst, max(abs(pa[i] - pb[i])).item<double>());
  return worst;
}

// `steps` steps of two copies of one MLP: the standard loop, and backward
// alone with the optimizer stepping in it.
double standard_vs_in_backward(const MakeOptimizer& make_optimizer, int64_t in, std::vector<int64_t> hidden,
                               int64_t rows, int steps) {
  manual_seed(7);
  nn::MLP standard(in, hidden, 10), fused(in, hidden, 10);
  fused.load_state_dict(standard.state_dict());
  auto opt_standard = make_optimizer(standard.parameters());
  auto opt_fused = make_optimizer(fused.parameters());
  opt_fused->step_in_backward();
  for (int s = 0; s < steps; ++s) {
    const Batch b = batch(rows, in, 10, 100 + s);
    opt_standard->zero_grad();
    nn::functional::cross_entropy(standard(b.x), b.y).backward();
    opt_standard->step();
    nn::functional::cross_entropy(fused(b.x), b.y).backward();
    for (const Tensor& p : fused.parameters()) REQUIRE_FALSE(p.grad().defined());  // taken, not left in .grad
  }
  return max_diff(standard, fused);
}

}  // namespace

TEST_CASE("step_in_backward makes the standard loop's updates, bit for bit", "[optim][step_in_backward]") {
  const std::vector<std::pair<std::string, MakeOptimizer>> configs = {
      {"sgd", make<optim::SGD>({{"lr", 0.1}})},
      {"sgd momentum", make<optim::SGD>({{"lr", 0.05}, {"momentum", 0.9}})},
      {"sgd momentum dampening decay",
       make<optim::SGD>({{"lr", 0.05}, {"momentum", 0.9}, {"dampening", 0.1}, {"weight_decay", 0.01}})},
      {"sgd nesterov", make<optim::SGD>({{"lr", 0.05}, {"momentum", 0.9}, {"nesterov", 1}, {"weight_decay", 1e-3}})},
      {"sgd maximize", make<optim::SGD>({{"lr", 0.02}, {"momentum", 0.5}, {"maximize", 1}})},
      {"adam", make<optim::Adam>({{"lr", 0.01}})},
  };
  for (const auto& [name, make_optimizer] : configs) {
    SECTION(name) {
      // Odd sizes; batch 33 and 64 take the fused GEMM (k <= 64), 70 does not.
      CHECK(standard_vs_in_backward(make_optimizer, 37, {45, 19}, 33, 4) == 0);
      CHECK(standard_vs_in_backward(make_optimizer, 100, {130}, 64, 3) == 0);
      CHECK(standard_vs_in_backward(make_optimizer, 29, {33}, 70, 3) == 0);
    }
  }
  SECTION("the benchmark MLP's shapes, split across threads") {
    const int threads = get_num_threads();
    set_num_threads(2);
    const double diff =
        standard_vs_in_backward(make<optim::SGD>({{"lr", 0.01}, {"momentum", 0.9}}), 784, {128, 64}, 32, 4);
    set_num_threads(threads);
    CHECK(diff == 0);
  }
}

TEST_CASE("step_in_backward: options changed between steps, and groups of their own, apply as in the standard loop",
          "[optim][step_in_backward]") {
  // SGD reads a group's options once per backward pass: each pass must see
  // the changes made before it, and each group its own options.
  for (bool two_groups : {false, true}) {
    CAPTURE(two_groups);
    manual_seed(5);
    nn::MLP standard(37, {45, 19}, 10), fused(37, {45, 19}, 10);
    fused.load_state_dict(standard.state_dict());
    auto groups = [&](nn::MLP& m) {
      std::vector<Tensor> p = m.parameters();
      if (!two_groups) return std::vector<optim::ParamGroup>{{p}};
      return std::vector<optim::ParamGroup>{{{p[0], p[1]}, {{"lr", 0.1}}},
                                            {{p.begin() + 2, p.end()}, {{"lr", 0.02}, {"nesterov", 1}}}};
    };
    optim::SGD opt_standard(groups(standard), {{"lr", 0.05}, {"momentum", 0.9}});
    optim::SGD opt_fused(groups(fused), {{"lr", 0.05}, {"momentum", 0.9}});
    opt_fused.step_in_backward();
    for (int s = 0; s < 5; ++s) {
      for (optim::SGD* opt : {&opt_standard, &opt_fused}) {  // a schedule of its own for each group
        opt->param_groups().front().set_lr(0.1 / (s + 1));
        opt->param_groups().back().set("momentum", s % 2 ? 0.5 : 0.9);
      }
      const Batch b = batch(33, 37, 10, 200 + s);
      opt_standard.zero_grad();
      nn::functional::cross_entropy(standard(b.x), b.y).backward();
      opt_standard.step();
      nn::functional::cross_entropy(fused(b.x), b.y).backward();
    }
    CHECK(max_diff(standard, fused) == 0);
    // And a learning rate of 0 set now stops the very next pass's updates.
    std::vector<Tensor> before;
    for (const Tensor& p : fused.parameters()) before.push_back(p.detach().clone());
    for (optim::ParamGroup& g : opt_fused.param_groups()) g.set_lr(0);
    const Batch b = batch(33, 37, 10, 300);
    nn::functional::cross_entropy(fused(b.x), b.y).backward();
    const std::vector<Tensor> after = fused.parameters();
    for (size_t i = 0; i < after.size(); ++i) CHECK(max(abs(after[i] - before[i])).item<double>() == 0);
  }
}

TEST_CASE("step_in_backward: a weight used twice is updated once, with both parts", "[optim][step_in_backward]") {
  manual_seed(3);
  Tensor w0 = randn({24, 24}) * 0.2, b0 = randn({24}) * 0.1;
  std::vector<Tensor> standard = {w0.clone().requires_grad_(), b0.clone().requires_grad_()};
  std::vector<Tensor> fused = {w0.clone().requires_grad_(), b0.clone().requires_grad_()};
  optim::SGD opt_standard(standard, {{"lr", 0.1}, {"momentum", 0.9}});
  optim::SGD opt_fused(fused, {{"lr", 0.1}, {"momentum", 0.9}});
  opt_fused.step_in_backward();
  // Two tied layers: relu(relu(x·wᵀ + b)·wᵀ + b).
  auto loss = [](const std::vector<Tensor>& p, const Batch& b) {
    using nn::functional::Activation;
    Tensor h = nn::functional::linear(b.x, p[0], p[1], Activation::ReLU);
    return sum(square(nn::functional::linear(h, p[0], p[1], Activation::ReLU)));
  };
  for (int s = 0; s < 4; ++s) {
    const Batch b = batch(32, 24, 10, 40 + s);
    opt_standard.zero_grad();
    loss(standard, b).backward();
    opt_standard.step();
    loss(fused, b).backward();
  }
  CHECK(max(abs(standard[0] - fused[0])).item<double>() == 0);
  CHECK(max(abs(standard[1] - fused[1])).item<double>() == 0);
  CHECK(opt_fused.state(fused[0])->step == 4);
}

TEST_CASE("step_in_backward: on and off, one optimizer per parameter, none after destruction",
          "[optim][step_in_backward]") {
  manual_seed(5);
  nn::MLP net(12, {9}, 3);
  const Batch b = batch(8, 12, 3, 1);
  auto run = [&] { nn::functional::cross_entropy(net(b.x), b.y).backward(); };
  optim::SGD first(net.parameters(), {{"lr", 0.1}, {"momentum", 0.9}});
  first.step_in_backward();
  CHECK(first.steps_in_backward());
  {
    optim::SGD second(net.parameters(), {{"lr", 0.1}});
    CHECK_THROWS_WITH(second.step_in_backward(), Catch::Contains("another optimizer"));
    CHECK_FALSE(second.steps_in_backward());
  }
  const Tensor before = net.parameters()[0].clone();
  run();
  CHECK(max(abs(net.parameters()[0] - before)).item<double>() > 0);  // updated by backward
  CHECK(first.state(net.parameters()[0])->step == 1);

  first.step_in_backward(false);  // back to .grad and step()
  run();
  CHECK(net.parameters()[0].grad().defined());
  CHECK(first.state(net.parameters()[0])->step == 1);
  first.step();
  CHECK(first.state(net.parameters()[0])->step == 2);
  first.zero_grad();

  {
    optim::SGD scoped(net.parameters(), {{"lr", 0.1}});
    scoped.step_in_backward();
  }  // destroyed: the parameters have no consumer left
  run();
  CHECK(net.parameters()[0].grad().defined());
}

TEST_CASE("step_in_backward: create_graph and autograd::grad leave the parameters alone", "[optim][step_in_backward]") {
  manual_seed(9);
  nn::MLP net(6, {5}, 2);
  const Batch b = batch(4, 6, 2, 2);
  optim::SGD opt(net.parameters(), {{"lr", 0.1}, {"momentum", 0.9}});
  opt.step_in_backward();
  const Tensor w = net.parameters()[0], before = w.clone();
  // grad() returns gradients without accumulating them: nothing to take.
  std::vector<Tensor> g = autograd::grad({nn::functional::cross_entropy(net(b.x), b.y)}, {w});
  CHECK(g[0].defined());
  CHECK(max(abs(w - before)).item<double>() == 0);
  // With create_graph the gradient is still taken whole, formed, once.
  nn::functional::cross_entropy(net(b.x), b.y).backward(Tensor(), false, true);
  CHECK_FALSE(w.grad().defined());
  CHECK(max(abs(w - before - (-0.1) * g[0])).item<double>() < 1e-6);
}

TEST_CASE("step_in_backward: a captured step replays the standard loop's updates", "[optim][step_in_backward]") {
  // Under capture the weight gradients are formed (the fused kernel is not
  // recorded) and each update is replayed where backward made it.
  manual_seed(11);
  nn::MLP standard(37, {45}, 10), captured(37, {45}, 10);
  captured.load_state_dict(standard.state_dict());
  optim::SGD opt_standard(standard.parameters(), {{"lr", 0.05}, {"momentum", 0.9}});
  optim::SGD opt_captured(captured.parameters(), {{"lr", 0.05}, {"momentum", 0.9}});
  opt_captured.step_in_backward();
  Tensor x = zeros({33, 37}), y = zeros({33}, TensorOptions(kInt64));
  CapturedStep step;
  for (int s = 0; s < 5; ++s) {
    const Batch b = batch(33, 37, 10, 60 + s);
    opt_standard.zero_grad();
    nn::functional::cross_entropy(standard(b.x), b.y).backward();
    opt_standard.step();
    x.copy_(b.x);
    y.copy_(b.y);
    if (s == 0)
      step = capture([&] { nn::functional::cross_entropy(captured(x), y).backward(); });
    else
      step.replay();
  }
  CHECK(max_diff(standard, captured) == 0);
  CHECK(opt_captured.state(captured.parameters()[0])->step == 5);
}

TEST_CASE("step_in_backward: a weight used by matmul (x·w, w [in, out]) is fused the same way",
          "[optim][step_in_backward]") {
  manual_seed(13);
  const Tensor w0 = randn({37, 21}) * 0.2;
  const Tensor standard = w0.clone().requires_grad_(), fused = w0.clone().requires_grad_();
  optim::SGD opt_standard({standard}, {{"lr", 0.05}, {"momentum", 0.9}, {"nesterov", 1}});
  optim::SGD opt_fused({fused}, {{"lr", 0.05}, {"momentum", 0.9}, {"nesterov", 1}});
  opt_fused.step_in_backward();
  for (int s = 0; s < 4; ++s) {
    const Batch b = batch(33, 37, 10, 80 + s);
    opt_standard.zero_grad();
    sum(relu(matmul(b.x, standard))).backward();
    opt_standard.step();
    sum(relu(matmul(b.x, fused))).backward();
    CHECK_FALSE(fused.grad().defined());
  }
  CHECK(max(abs(standard - fused)).item<double>() == 0);
}
