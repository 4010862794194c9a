// mlp-fmnist (../shared/BENCHMARKS.md): train the MLP 784-128-64-10 (ReLU)
// on Fashion-MNIST, batch 32, SGD lr 0.01 momentum 0.9, cross-entropy, with
// nabla's nn + optim; then the LibTorch and PyTorch twins, same
// configuration, same run, and the ratios.
//
// Usage: OMP_NUM_THREADS=1 bench_mlp [--epochs N] [--no-peers] [--data DIR]
// Prints one JSON line per implementation, e.g.
//   {"bench": "mlp-fmnist", "impl": "nabla", "threads": 1, "steps_per_s": ..., "test_acc": ..., ...}
// then one "ratio" line per peer (peer's time / nabla's time: > 1 means
// nabla is faster) and a table. steps_per_s is the median over epochs;
// test_acc is measured after the last epoch. The data is held in memory
// (loaded before timing); each epoch visits the 60,000 images once in a
// fresh random order (1,875 steps).
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

constexpr int64_t kBatch = 32;                // examples per step
constexpr double kLr = 0.01;                  // SGD learning rate
constexpr double kMomentum = 0.9;             // SGD momentum
constexpr int kDefaultEpochs = 3;             // steps/s is the median over epochs
constexpr uint64_t kSeed = 0;                 // init and shuffling
const std::vector<int64_t> kHidden{128, 64};  // hidden widths (ReLU)

struct Result {
  double steps_per_s, epoch_s, test_acc, final_loss;
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

Result train(const data::MnistSplit& train_set, const data::MnistSplit& test_set, int epochs) {
  Generator gen(kSeed);
  manual_seed(kSeed);
  nn::MLP model(784, kHidden, 10);
  optim::SGD sgd(model.parameters(), {{"lr", kLr}, {"momentum", kMomentum}});
  const Tensor x_all = train_set.images.reshape({-1, 784});
  const Tensor y_all = train_set.labels;
  const int64_t n = x_all.size(0), steps = n / kBatch;
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(kSeed);
  std::vector<double> epoch_s;
  double last_loss = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    const Tensor perm = from_vector(order, {n});
    auto start = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < steps; ++s) {
      const Tensor idx = perm.narrow(0, s * kBatch, kBatch);
      const Tensor x = index_select(x_all, 0, idx), y = index_select(y_all, 0, idx);
      Tensor loss = nn::functional::cross_entropy(model(x), y);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
      if (s == steps - 1) last_loss = loss.item();
    }
    epoch_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::fprintf(stderr, "# nabla epoch %d: %.2f s, loss %.4f\n", epoch + 1, epoch_s.back(), last_loss);
  }
  const double med = bench::median(epoch_s);
  return {static_cast<double>(steps) / med, med, accuracy(model, test_set.images.reshape({-1, 784}), test_set.labels),
          last_loss};
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = kDefaultEpochs;
  bool peers = true;
  std::string dir = data::kFashionMnistDir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc) {
      epochs = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--no-peers")) {
      peers = false;
    } else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--epochs N] [--no-peers] [--data DIR]\n", argv[0]);
      return 2;
    }
  }
  if (epochs < 1) {
    std::fprintf(stderr, "bench_mlp: --epochs must be >= 1\n");
    return 2;
  }
  const int threads = bench::threads_from_env();
  set_num_threads(threads);

  data::MnistSplit train_set, test_set;
  try {
    train_set = data::load_mnist(dir, true);
    test_set = data::load_mnist(dir, false);
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_mlp: %s\n", e.what());
    return 1;
  }
  Result r = train(train_set, test_set, epochs);
  std::printf(
      "{\"bench\": \"mlp-fmnist\", \"impl\": \"nabla\", \"threads\": %d, \"steps_per_s\": %.1f, \"epoch_s\": %.3f, "
      "\"epochs\": %d, \"test_acc\": %.2f, \"final_loss\": %.4f, \"peak_rss_mib\": %.1f}\n",
      threads, r.steps_per_s, r.epoch_s, epochs, r.test_acc, r.final_loss, bench::peak_rss_mib());
  std::fflush(stdout);

  struct Peer {
    std::string impl;
    double steps_per_s, test_acc, rss;
  };
  std::vector<Peer> peer_results;
  if (peers) {
    const std::string args = " --epochs " + std::to_string(epochs) + " --data '" + dir + "'";
    std::vector<std::string> commands;
#ifdef NABLA_LIBTORCH_MLP
    commands.push_back(std::string(NABLA_LIBTORCH_MLP) + args);
#endif
#ifdef NABLA_PYTORCH_MLP
    commands.push_back("/usr/bin/python3 " + std::string(NABLA_PYTORCH_MLP) + args);
#endif
    for (const std::string& cmd : commands)
      for (const std::string& line : bench::run_peer(cmd))
        if (bench::json_string(line, "bench") == "mlp-fmnist")
          peer_results.push_back({bench::json_string(line, "impl"), bench::json_number(line, "steps_per_s"),
                                  bench::json_number(line, "test_acc"), bench::json_number(line, "peak_rss_mib")});
  }
  for (const Peer& p : peer_results)
    std::printf(
        "{\"bench\": \"mlp-fmnist\", \"impl\": \"nabla\", \"vs\": \"%s\", \"threads\": %d, \"ratio\": %.2f, "
        "\"acc_diff\": %.2f}\n",
        p.impl.c_str(), threads, r.steps_per_s / p.steps_per_s, r.test_acc - p.test_acc);

  std::printf("\nmlp-fmnist, %d thread(s), %d epoch(s)\n%-10s %12s %10s %10s %14s\n", threads, epochs, "impl",
              "steps/s", "test acc", "peak MiB", "nabla speedup");
  std::printf("%-10s %12.1f %9.2f%% %10.1f %14s\n", "nabla", r.steps_per_s, r.test_acc, bench::peak_rss_mib(), "-");
  for (const Peer& p : peer_results)
    std::printf("%-10s %12.1f %9.2f%% %10.1f %13.2fx\n", p.impl.c_str(), p.steps_per_s, p.test_acc, p.rss,
                r.steps_per_s / p.steps_per_s);
  return 0;
}
