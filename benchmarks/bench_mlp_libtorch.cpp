// mlp-fmnist, LibTorch twin of bench_mlp.cpp: the same model, optimizer,
// batch, epochs and data order policy, written as a LibTorch user would.
//
// Usage: OMP_NUM_THREADS=1 bench_mlp_libtorch [--epochs N] [--seed N] [--data DIR]
// Prints one JSON line on stdout; the BLAS in use goes to stderr.
// The data is read with nabla's IDX reader (outside the timed loop) and
// handed to LibTorch as tensors: everything timed is LibTorch's.
#include <ATen/Parallel.h>
#include <nabla/tensor/creation.h>
#include <nabla/trainer/data/idx.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_common.h"

namespace {

constexpr int64_t kBatch = 32;     // examples per step
constexpr double kLr = 0.01;       // SGD learning rate
constexpr double kMomentum = 0.9;  // SGD momentum

// nabla float32/int64 tensor -> LibTorch tensor (a copy).
torch::Tensor to_torch(const nabla::Tensor& t, torch::Dtype dtype) {
  std::vector<int64_t> shape(t.shape().begin(), t.shape().end());
  return torch::from_blob(t.contiguous().raw_data(), shape, dtype).clone();
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 3;
  uint64_t seed = 0;  // init and shuffling
  std::string dir = nabla::data::kFashionMnistDir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc) {
      epochs = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--epochs N] [--seed N] [--data DIR]\n", argv[0]);
      return 2;
    }
  }
  const int threads = bench::threads_from_env();
  at::set_num_threads(threads);
  std::fprintf(stderr, "# libtorch %s, blas: %s\n", TORCH_VERSION, bench::loaded_blas().c_str());

  auto train_set = nabla::data::load_mnist(dir, true), test_set = nabla::data::load_mnist(dir, false);
  torch::Tensor x_all = to_torch(train_set.images, torch::kFloat32).reshape({-1, 784});
  torch::Tensor y_all = to_torch(train_set.labels, torch::kInt64);
  torch::Tensor x_test = to_torch(test_set.images, torch::kFloat32).reshape({-1, 784});
  torch::Tensor y_test = to_torch(test_set.labels, torch::kInt64);

  torch::manual_seed(seed);
  torch::nn::Sequential model(torch::nn::Linear(784, 128), torch::nn::ReLU(), torch::nn::Linear(128, 64),
                              torch::nn::ReLU(), torch::nn::Linear(64, 10));
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(kLr).momentum(kMomentum));
  const int64_t n = x_all.size(0), steps = n / kBatch;
  std::vector<double> epoch_s;
  double last_loss = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    torch::Tensor perm = torch::randperm(n, torch::kInt64);
    auto start = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < steps; ++s) {
      torch::Tensor idx = perm.narrow(0, s * kBatch, kBatch);
      torch::Tensor x = x_all.index_select(0, idx), y = y_all.index_select(0, idx);
      torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
      if (s == steps - 1) last_loss = loss.item<double>();
    }
    epoch_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::fprintf(stderr, "# libtorch epoch %d: %.2f s, loss %.4f\n", epoch + 1, epoch_s.back(), last_loss);
  }
  double acc;
  {
    torch::NoGradGuard no_grad;
    model->eval();
    acc =
        100.0 * model->forward(x_test).argmax(1).eq(y_test).sum().item<double>() / static_cast<double>(x_test.size(0));
  }
  const double med = bench::median(epoch_s);
  std::printf(
      "{\"bench\": \"mlp-fmnist\", \"impl\": \"libtorch\", \"threads\": %d, \"steps_per_s\": %.1f, \"epoch_s\": %.3f, "
      "\"epochs\": %d, \"test_acc\": %.2f, \"final_loss\": %.4f, \"peak_rss_mib\": %.1f}\n",
      threads, static_cast<double>(steps) / med, med, epochs, acc, last_loss, bench::peak_rss_mib());
  return 0;
}
