// nn layers, losses and optimizers on the GPU against the CPU, and a short
// training run of the benchmark MLP on both devices: the same loss curve.
#include "cuda_helpers.h"

using namespace nabla;
using cuda_testing::cpu;
using cuda_testing::gpu;
using cuda_testing::kTolBlasF32;
using cuda_testing::leaf_pair;
using cuda_testing::require_twin;
namespace F = nabla::nn::functional;

TEST_CASE("cuda: cross_entropy forward and backward", "[cuda][nn][loss]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    Generator g(111);
    Tensor target = randint(0, 37, {23}, g);
    target.index_put_({3}, -100.0);  // an ignored row
    Tensor weight = cuda_testing::uniform({37}, dtype, 0.5, 2, 112);
    for (double smoothing : {0.0, 0.1}) {
      for (bool weighted : {false, true}) {
        for (auto reduction : {F::Reduction::Mean, F::Reduction::Sum, F::Reduction::None}) {
          INFO(dtype_name(dtype) << " smoothing " << smoothing << " weighted " << weighted << " reduction "
                                 << static_cast<int>(reduction));
          auto x = leaf_pair(cuda_testing::uniform({23, 37}, dtype, -4, 4, 113));
          Tensor wc = weighted ? weight : Tensor(), wg = weighted ? weight.to(gpu()) : Tensor();
          Tensor lc = F::cross_entropy(x.on_cpu, target, wc, -100, reduction, smoothing);
          Tensor lg = F::cross_entropy(x.on_gpu, target.to(gpu()), wg, -100, reduction, smoothing);
          require_twin(lg, lc);
          sum(lc * lc).backward();
          sum(lg * lg).backward();
          require_twin(x.on_gpu.grad(), x.on_cpu.grad());
        }
      }
    }
  }
}

TEST_CASE("cuda: other losses", "[cuda][nn][loss]") {
  auto x = leaf_pair(cuda_testing::uniform({9, 11}, kFloat64, -2, 2, 114));
  Tensor t = cuda_testing::uniform({9, 11}, kFloat64, 0, 1, 115);
  auto f = [](const Tensor& a, const Tensor& b) {
    return F::mse_loss(a, b) + F::huber_loss(a, b) + F::binary_cross_entropy_with_logits(a, b);
  };
  Tensor lc = f(x.on_cpu, t), lg = f(x.on_gpu, t.to(gpu()));
  require_twin(lg, lc);
  lc.backward();
  lg.backward();
  require_twin(x.on_gpu.grad(), x.on_cpu.grad());
}

TEST_CASE("cuda: linear with bias and fused relu", "[cuda][nn][linear]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    for (auto act : {F::Activation::None, F::Activation::ReLU, F::Activation::GELU}) {
      INFO(dtype_name(dtype) << " " << F::activation_name(act));
      auto x = leaf_pair(cuda_testing::uniform({19, 33}, dtype, -1, 1, 116));
      auto w = leaf_pair(cuda_testing::uniform({17, 33}, dtype, -0.3, 0.3, 117));
      auto b = leaf_pair(cuda_testing::uniform({17}, dtype, -0.3, 0.3, 118));
      Tensor yc = F::linear(x.on_cpu, w.on_cpu, b.on_cpu, act), yg = F::linear(x.on_gpu, w.on_gpu, b.on_gpu, act);
      const double tol = dtype == kFloat32 ? kTolBlasF32 : cuda_testing::kTolF64;
      require_twin(yg, yc, tol);
      sum(yc * yc).backward();
      sum(yg * yg).backward();
      require_twin(x.on_gpu.grad(), x.on_cpu.grad(), tol);
      require_twin(w.on_gpu.grad(), w.on_cpu.grad(), tol);
      require_twin(b.on_gpu.grad(), b.on_cpu.grad(), tol);
    }
  }
}

namespace {
// Three steps of an optimizer on the same parameter on both devices.
template <class Opt>
void check_optimizer(const char* name, const optim::Options& options) {
  for (DType dtype : {kFloat32, kFloat64}) {
    INFO(name << " " << dtype_name(dtype));
    auto p = leaf_pair(cuda_testing::uniform({7, 13, 5}, dtype, -1, 1, 121));
    Tensor c = cuda_testing::uniform({7, 13, 5}, dtype, -1, 1, 122);
    Opt oc({p.on_cpu}, options), og({p.on_gpu}, options);
    for (int step = 0; step < 3; ++step) {
      oc.zero_grad();
      og.zero_grad();
      sum(square(p.on_cpu) * c + p.on_cpu).backward();
      sum(square(p.on_gpu) * c.to(gpu()) + p.on_gpu).backward();
      oc.step();
      og.step();
    }
    // FMA on the GPU: float32 may differ in the last bits per step.
    require_twin(p.on_gpu.detach(), p.on_cpu.detach(), dtype == kFloat32 ? 1e-5 : 1e-12);
  }
}
}  // namespace

TEST_CASE("cuda: optimizer steps", "[cuda][optim]") {
  check_optimizer<optim::SGD>("sgd", {{"lr", 0.1}});
  check_optimizer<optim::SGD>("sgd momentum", {{"lr", 0.1}, {"momentum", 0.9}, {"weight_decay", 0.01}});
  check_optimizer<optim::SGD>("sgd nesterov", {{"lr", 0.1}, {"momentum", 0.9}, {"nesterov", 1}});
  check_optimizer<optim::Adam>("adam", {{"lr", 0.01}});
  check_optimizer<optim::Adam>("adam amsgrad", {{"lr", 0.01}, {"amsgrad", 1}, {"weight_decay", 0.1}});
  check_optimizer<optim::AdamW>("adamw", {{"lr", 0.01}});
  check_optimizer<optim::RMSprop>("rmsprop", {{"lr", 0.01}, {"centered", 1}, {"momentum", 0.5}});
  check_optimizer<optim::Adagrad>("adagrad", {{"lr", 0.1}, {"lr_decay", 0.01}});
}

TEST_CASE("cuda: 50 training steps of the benchmark MLP give the CPU's loss curve", "[cuda][nn][train]") {
  constexpr int kSteps = 50;
  constexpr int64_t kBatch = 64;
  auto net_cpu = models::fashion_mlp();
  auto net_gpu = models::fashion_mlp();
  {
    NoGradGuard no_grad;
    const auto pc = net_cpu->parameters();
    auto pg = net_gpu->parameters();
    REQUIRE(pc.size() == pg.size());
    for (size_t i = 0; i < pc.size(); ++i) pg[i].copy_(pc[i]);  // the same start
  }
  net_gpu->to(gpu());
  optim::SGD opt_cpu(net_cpu->parameters(), {{"lr", 0.05}, {"momentum", 0.9}});
  optim::SGD opt_gpu(net_gpu->parameters(), {{"lr", 0.05}, {"momentum", 0.9}});
  // One fixed batch: the net memorises it, so the loss must fall.
  Generator data(123);
  const Tensor images = randn({kBatch, 784}, data);
  const Tensor labels = randint(0, 10, {kBatch}, data);
  std::vector<double> curve_cpu, curve_gpu;
  for (int step = 0; step < kSteps; ++step) {
    Tensor loss_cpu = F::cross_entropy((*net_cpu)(images), labels);
    Tensor loss_gpu = F::cross_entropy((*net_gpu)(images.to(gpu())), labels.to(gpu()));
    opt_cpu.zero_grad();
    opt_gpu.zero_grad();
    loss_cpu.backward();
    loss_gpu.backward();
    opt_cpu.step();
    opt_gpu.step();
    curve_cpu.push_back(loss_cpu.item<double>());
    curve_gpu.push_back(loss_gpu.item<double>());
  }
  for (int step = 0; step < kSteps; ++step) {
    INFO("step " << step << ": cpu " << curve_cpu[step] << ", gpu " << curve_gpu[step]);
    REQUIRE(std::abs(curve_gpu[step] - curve_cpu[step]) <= 1e-3 * (1 + std::abs(curve_cpu[step])));
  }
  REQUIRE(curve_gpu.back() < 0.5 * curve_gpu.front());
}

TEST_CASE("cuda: conv2d and conv_transpose2d forward and backward", "[cuda][nn][conv]") {
  struct Case {
    int64_t cin, cout, k, stride, pad, dilation, groups;
  };
  for (const Case& c :
       {Case{3, 5, 3, 1, 1, 1, 1}, Case{4, 6, 3, 2, 0, 1, 2}, Case{2, 3, 5, 1, 2, 2, 1}, Case{6, 6, 3, 2, 1, 1, 6}}) {
    for (DType dtype : {kFloat32, kFloat64}) {
      INFO(dtype_name(dtype) << " cin " << c.cin << " cout " << c.cout << " k " << c.k << " stride " << c.stride
                             << " pad " << c.pad << " dilation " << c.dilation << " groups " << c.groups);
      auto x = leaf_pair(cuda_testing::uniform({3, c.cin, 11, 9}, dtype, -1, 1, 131));
      auto w = leaf_pair(cuda_testing::uniform({c.cout, c.cin / c.groups, c.k, c.k}, dtype, -0.5, 0.5, 132));
      auto b = leaf_pair(cuda_testing::uniform({c.cout}, dtype, -0.5, 0.5, 133));
      auto f = [&](const Tensor& xx, const Tensor& ww, const Tensor& bb) {
        return F::conv2d(xx, ww, bb, c.stride, c.pad, c.dilation, c.groups);
      };
      Tensor yc = f(x.on_cpu, w.on_cpu, b.on_cpu), yg = f(x.on_gpu, w.on_gpu, b.on_gpu);
      require_twin(yg, yc);
      sum(yc * yc).backward();
      sum(yg * yg).backward();
      require_twin(x.on_gpu.grad(), x.on_cpu.grad());  // conv_transpose2d
      require_twin(w.on_gpu.grad(), w.on_cpu.grad());  // conv2d_weight
      require_twin(b.on_gpu.grad(), b.on_cpu.grad());
      // conv_transpose2d as a layer, with output_padding.
      auto wt = leaf_pair(cuda_testing::uniform({c.cin, c.cout / c.groups, c.k, c.k}, dtype, -0.5, 0.5, 134));
      Tensor tc = F::conv_transpose2d(x.on_cpu.detach(), wt.on_cpu, Tensor(), c.stride, c.pad, c.stride - 1, c.groups,
                                      c.dilation);
      Tensor tg = F::conv_transpose2d(x.on_gpu.detach(), wt.on_gpu, Tensor(), c.stride, c.pad, c.stride - 1, c.groups,
                                      c.dilation);
      require_twin(tg, tc);
      sum(tc * tc).backward();
      sum(tg * tg).backward();
      require_twin(wt.on_gpu.grad(), wt.on_cpu.grad());
    }
  }
}

TEST_CASE("cuda: pooling forward and backward", "[cuda][nn][pool]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    INFO(dtype_name(dtype));
    // Rounded values: many ties, which must pick the first index as on the CPU.
    Tensor values = round(cuda_testing::uniform({2, 3, 11, 13}, dtype, -4, 4, 141));
    auto x = leaf_pair(values);
    auto f = [](const Tensor& t) {
      return sum(square(F::max_pool2d(t, 3, 2, 1))) + sum(square(F::max_pool2d(t, {2, 3}, 1, 0, 2, true))) +
             sum(square(F::avg_pool2d(t, 3, 2, 1, true, false))) + sum(square(F::avg_pool2d(t, 2))) +
             sum(square(F::adaptive_avg_pool2d(t, {4, 5})));
    };
    Tensor yc = f(x.on_cpu), yg = f(x.on_gpu);
    require_twin(yg, yc);
    yc.backward();
    yg.backward();
    require_twin(x.on_gpu.grad(), x.on_cpu.grad());
    auto [vc, ic] = F::max_pool2d_with_indices(values, 3, 2, 1);
    auto [vg, ig] = F::max_pool2d_with_indices(values.to(gpu()), 3, 2, 1);
    require_twin(vg, vc);
    require_twin(ig, ic);
  }
}

TEST_CASE("cuda: 50 training steps of LeNet5 give the CPU's loss curve", "[cuda][nn][train]") {
  constexpr int kSteps = 50;
  constexpr int64_t kBatch = 16;
  models::LeNet5 net_cpu, net_gpu;
  {
    NoGradGuard no_grad;
    const auto pc = net_cpu.parameters();
    auto pg = net_gpu.parameters();
    REQUIRE(pc.size() == pg.size());
    for (size_t i = 0; i < pc.size(); ++i) pg[i].copy_(pc[i]);
  }
  net_gpu.to(gpu());
  optim::Adam opt_cpu(net_cpu.parameters(), {{"lr", 1e-3}});
  optim::Adam opt_gpu(net_gpu.parameters(), {{"lr", 1e-3}});
  Generator data(321);
  const Tensor images = randn({kBatch, 1, 28, 28}, data);
  const Tensor labels = randint(0, 10, {kBatch}, data);
  std::vector<double> curve_cpu, curve_gpu;
  for (int step = 0; step < kSteps; ++step) {
    Tensor loss_cpu = F::cross_entropy(net_cpu(images), labels);
    Tensor loss_gpu = F::cross_entropy(net_gpu(images.to(gpu())), labels.to(gpu()));
    opt_cpu.zero_grad();
    opt_gpu.zero_grad();
    loss_cpu.backward();
    loss_gpu.backward();
    opt_cpu.step();
    opt_gpu.step();
    curve_cpu.push_back(loss_cpu.item<double>());
    curve_gpu.push_back(loss_gpu.item<double>());
  }
  for (int step = 0; step < kSteps; ++step) {
    INFO("step " << step << ": cpu " << curve_cpu[step] << ", gpu " << curve_gpu[step]);
    REQUIRE(std::abs(curve_gpu[step] - curve_cpu[step]) <= 1e-3 * (1 + std::abs(curve_cpu[step])));
  }
  REQUIRE(curve_gpu.back() < 0.5 * curve_gpu.front());
}
