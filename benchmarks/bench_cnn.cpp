// cnn (../shared/BENCHMARKS.md): train LeNet-5 (models/lenet.h: conv 1->6
// 5x5 pad 2, relu, max-pool 2; conv 6->16 5x5, relu, max-pool 2; fc
// 400-120-84-10 with relus; 61,706 parameters) on Fashion-MNIST, batch 64,
// SGD lr 0.01 momentum 0.9, cross-entropy, with nabla's nn + optim; then the
// LibTorch and PyTorch twins, same configuration, same run, and the ratios.
//
// Usage: OMP_NUM_THREADS=1 bench_cnn [--steps N] [--reps R] [--no-peers] [--data DIR]
// After kWarmup untimed steps, R timed windows of N steps each run back to
// back; steps_per_s is the median over the windows. Each epoch visits the
// 60,000 images in a fresh random order (937 steps); windows run on across
// epoch boundaries. test_acc is the accuracy on the 10,000 test images after
// the last window. Prints one JSON line per implementation, e.g.
//   {"bench": "cnn", "impl": "nabla", "threads": 1, "steps_per_s": ..., "test_acc": ..., ...}
// then one "vs" line per peer with ratio = nabla steps/s ÷ peer steps/s
// (> 1 means nabla is faster) and a table.
#include <nabla/nabla.h>
#include <nabla/trainer/data/idx.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "bench_common.h"

using namespace nabla;

namespace {

constexpr int64_t kBatch = 64;      // examples per step
constexpr double kLr = 0.01;        // SGD learning rate
constexpr double kMomentum = 0.9;   // SGD momentum
constexpr int kDefaultSteps = 200;  // steps per timed window
constexpr int kDefaultReps = 5;     // timed windows; steps/s is their median
constexpr int kWarmup = 20;         // untimed steps first (buffers, caches, thread pool)
constexpr uint64_t kSeed = 0;       // init and shuffling

struct Result {
  double steps_per_s, window_s, test_acc, final_loss;
  int64_t params;
};

double accuracy(nn::Module& model, const Tensor& x, const Tensor& y) {
  NoGradGuard no_grad;
  model.eval();
  int64_t correct = 0;
  for (int64_t i = 0; i < x.size(0); i += 1000) {
    const int64_t n = std::min<int64_t>(1000, x.size(0) - i);
    Tensor pred = argmax(model(x.narrow(0, i, n)), 1);
    correct += sum(pred == y.narrow(0, i, n)).item<int64_t>();
  }
  model.train();
  return 100.0 * static_cast<double>(correct) / static_cast<double>(x.size(0));
}

Result train(const data::MnistSplit& train_set, const data::MnistSplit& test_set, int steps, int reps) {
  manual_seed(kSeed);
  models::LeNet5 model;
  int64_t params = 0;
  for (const Tensor& p : model.parameters()) params += p.numel();
  optim::SGD sgd(model.parameters(), {{"lr", kLr}, {"momentum", kMomentum}});
  const Tensor x_all = train_set.images.reshape({-1, 1, 28, 28});
  const Tensor y_all = train_set.labels;
  const int64_t n = x_all.size(0), steps_per_epoch = n / kBatch;
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(kSeed);
  Tensor perm;
  int64_t cursor = steps_per_epoch;  // the first step shuffles
  double last_loss = 0;
  auto run_steps = [&](int count) {
    for (int s = 0; s < count; ++s) {
      if (cursor == steps_per_epoch) {
        std::shuffle(order.begin(), order.end(), rng);
        perm = from_vector(order, {n});
        cursor = 0;
      }
      const Tensor idx = perm.narrow(0, cursor++ * kBatch, kBatch);
      const Tensor x = index_select(x_all, 0, idx), y = index_select(y_all, 0, idx);
      Tensor loss = nn::functional::cross_entropy(model(x), y);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
      if (s == count - 1) last_loss = loss.item();
    }
  };
  run_steps(kWarmup);
  std::vector<double> window_s;
  for (int r = 0; r < reps; ++r) {
    auto start = std::chrono::steady_clock::now();
    run_steps(steps);
    window_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::fprintf(stderr, "# nabla window %d: %.1f steps/s, loss %.4f\n", r + 1, steps / window_s.back(), last_loss);
  }
  const double med = bench::median(window_s);
  return {steps / med, med, accuracy(model, test_set.images.reshape({-1, 1, 28, 28}), test_set.labels), last_loss,
          params};
}

}  // namespace

int main(int argc, char** argv) {
  int steps = kDefaultSteps, reps = kDefaultReps;
  bool peers = true;
  std::string dir = data::kFashionMnistDir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) {
      steps = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--no-peers")) {
      peers = false;
    } else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--steps N] [--reps R] [--no-peers] [--data DIR]\n", argv[0]);
      return 2;
    }
  }
  if (steps < 1 || reps < 1) {
    std::fprintf(stderr, "bench_cnn: --steps and --reps must be >= 1\n");
    return 2;
  }
  const int threads = bench::threads_from_env();
  set_num_threads(threads);

  data::MnistSplit train_set, test_set;
  try {
    train_set = data::load_mnist(dir, true);
    test_set = data::load_mnist(dir, false);
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_cnn: %s\n", e.what());
    return 1;
  }
  Result r = train(train_set, test_set, steps, reps);
  std::printf(
      "{\"bench\": \"cnn\", \"impl\": \"nabla\", \"threads\": %d, \"steps_per_s\": %.1f, \"window_s\": %.3f, "
      "\"steps\": %d, \"reps\": %d, \"params\": %lld, \"test_acc\": %.2f, \"final_loss\": %.4f, "
      "\"peak_rss_mib\": %.1f}\n",
      threads, r.steps_per_s, r.window_s, steps, reps, static_cast<long long>(r.params), r.test_acc, r.final_loss,
      bench::peak_rss_mib());
  std::fflush(stdout);

  std::vector<bench::PeerResult> peer_results;
  if (peers) {
    const std::string args =
        " --steps " + std::to_string(steps) + " --reps " + std::to_string(reps) + " --data '" + dir + "'";
    std::vector<std::string> commands;
#ifdef NABLA_LIBTORCH_CNN
    commands.push_back(std::string(NABLA_LIBTORCH_CNN) + args);
#endif
#ifdef NABLA_PYTORCH_CNN
    commands.push_back("/usr/bin/python3 " + std::string(NABLA_PYTORCH_CNN) + args);
#endif
    peer_results = bench::run_training_peers(commands, "cnn");
  }
  bench::print_vs_lines("cnn", threads, r.steps_per_s, r.test_acc, peer_results);

  std::printf("\ncnn (LeNet-5, batch %lld), %d thread(s), %d x %d steps\n%-10s %12s %10s %10s %14s\n",
              static_cast<long long>(kBatch), threads, reps, steps, "impl", "steps/s", "test acc", "peak MiB",
              "nabla speedup");
  std::printf("%-10s %12.1f %9.2f%% %10.1f %14s\n", "nabla", r.steps_per_s, r.test_acc, bench::peak_rss_mib(), "-");
  for (const bench::PeerResult& p : peer_results)
    std::printf("%-10s %12.1f %9.2f%% %10.1f %13.2fx\n", p.impl.c_str(), p.steps_per_s, p.test_acc, p.rss,
                r.steps_per_s / p.steps_per_s);
  return 0;
}
