// The fused update kernels on a tensor large enough to take the threaded
// path (> kGrainSize elements), against the same update rules written with
// ordinary tensor ops (the math in optim/*.h), in float64.
#include <cmath>
#include <functional>

#include "optim_helpers.h"

using namespace nabla;

namespace {

constexpr int64_t kSize = 100003;  // odd, and above the OpenMP grain size
constexpr int kSteps = 3;

struct Setup {
  Tensor p0, grad;
  Setup() {
    Generator gen(11);
    p0 = randn({kSize}, gen, kFloat64);
    grad = randn({kSize}, gen, kFloat64);
  }
};

// Runs `kSteps` steps of `opt` on a copy of p0 with a fixed gradient.
std::vector<double> run_fused(const Setup& s,
                              const std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>& make) {
  Tensor p = s.p0.clone().requires_grad_();
  std::unique_ptr<optim::Optimizer> opt = make({p});
  for (int t = 0; t < kSteps; ++t) {
    p.set_grad(s.grad.clone());
    opt->step();
  }
  return testing::values(p);
}

void check_close(const std::vector<double>& got, const Tensor& want) {
  CHECK(optim_testing::max_rel_error(got, testing::values(want), 1e-3) < 1e-12);
}

}  // namespace

TEST_CASE("optim: fused kernels equal the composed update rules (threaded path)", "[optim]") {
  Setup s;
  const Tensor& g = s.grad;
  SECTION("SGD, nesterov + weight decay") {
    const double lr = 0.1, mu = 0.9, wd = 0.01;
    Tensor p = s.p0, b;
    for (int t = 0; t < kSteps; ++t) {
      Tensor d = g + wd * p;
      b = t == 0 ? d : mu * b + d;
      p = p - lr * (d + mu * b);
    }
    check_close(run_fused(s,
                          [&](std::vector<Tensor> ps) {
                            return std::make_unique<optim::SGD>(
                                ps,
                                optim::Options{{"lr", lr}, {"momentum", mu}, {"nesterov", 1}, {"weight_decay", wd}});
                          }),
                p);
  }
  SECTION("Adam, amsgrad + L2 weight decay; AdamW") {
    const double lr = 0.01, b1 = 0.8, b2 = 0.95, eps = 1e-6, wd = 0.1;
    for (bool decoupled : {false, true}) {
      Tensor p = s.p0, m = zeros_like(p), v = zeros_like(p), v_max = zeros_like(p);
      for (int t = 1; t <= kSteps; ++t) {
        Tensor gt = g;
        if (decoupled)
          p = p * (1 - lr * wd);
        else
          gt = g + wd * p;
        m = m * b1 + (1 - b1) * gt;
        v = v * b2 + (1 - b2) * gt * gt;
        v_max = maximum(v_max, v);
        Tensor denom = sqrt(v_max) / std::sqrt(1 - std::pow(b2, t)) + eps;
        p = p - lr / (1 - std::pow(b1, t)) * (m / denom);
      }
      optim::Options o{{"lr", lr}, {"beta1", b1}, {"beta2", b2}, {"eps", eps}, {"weight_decay", wd}, {"amsgrad", 1}};
      check_close(run_fused(s,
                            [&](std::vector<Tensor> ps) -> std::unique_ptr<optim::Optimizer> {
                              if (decoupled) return std::make_unique<optim::AdamW>(ps, o);
                              return std::make_unique<optim::Adam>(ps, o);
                            }),
                  p);
    }
  }
  SECTION("RMSprop, centered + momentum + weight decay") {
    const double lr = 0.01, alpha = 0.9, eps = 1e-8, wd = 0.01, mu = 0.5;
    Tensor p = s.p0, sq = zeros_like(p), ga = zeros_like(p), b = zeros_like(p);
    for (int t = 0; t < kSteps; ++t) {
      Tensor gt = g + wd * p;
      sq = sq * alpha + (1 - alpha) * gt * gt;
      ga = ga * alpha + (1 - alpha) * gt;
      Tensor avg = sqrt(sq - ga * ga) + eps;
      b = b * mu + gt / avg;
      p = p - lr * b;
    }
    optim::Options o{{"lr", lr},           {"alpha", alpha}, {"eps", eps},
                     {"weight_decay", wd}, {"momentum", mu}, {"centered", 1}};
    check_close(run_fused(s, [&](std::vector<Tensor> ps) { return std::make_unique<optim::RMSprop>(ps, o); }), p);
  }
  SECTION("Adagrad, lr decay + weight decay + initial accumulator") {
    const double lr = 0.1, decay = 0.05, wd = 0.01, init = 0.2, eps = 1e-10;
    Tensor p = s.p0, sum = full_like(p, init);
    for (int t = 1; t <= kSteps; ++t) {
      Tensor gt = g + wd * p;
      sum = sum + gt * gt;
      p = p - lr / (1 + (t - 1) * decay) * (gt / (sqrt(sum) + eps));
    }
    optim::Options o{{"lr", lr}, {"lr_decay", decay}, {"weight_decay", wd}, {"initial_accumulator_value", init}};
    check_close(run_fused(s, [&](std::vector<Tensor> ps) { return std::make_unique<optim::Adagrad>(ps, o); }), p);
  }
  SECTION("ModelEma") {
    Tensor w = s.p0.clone();
    optim::ModelEma ema({w}, 0.7);
    {
      NoGradGuard guard;
      w.copy_(g);
    }
    ema.update();
    check_close(testing::values(ema.shadow().at("0")), 0.7 * s.p0 + 0.3 * g);
  }
}
