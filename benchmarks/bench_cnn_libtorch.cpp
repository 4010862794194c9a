// cnn, LibTorch twin of bench_cnn.cpp: the same LeNet-5, optimizer, batch,
// warm-up, timed windows and data order policy, written as a LibTorch user
// would.
//
// Usage: OMP_NUM_THREADS=1 bench_cnn_libtorch [--steps N] [--reps R] [--data DIR]
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

constexpr int64_t kBatch = 64;     // examples per step
constexpr double kLr = 0.01;       // SGD learning rate
constexpr double kMomentum = 0.9;  // SGD momentum
constexpr int kWarmup = 20;        // untimed steps first
constexpr uint64_t kSeed = 0;      // init and shuffling

// nabla float32/int64 tensor -> LibTorch tensor (a copy).
torch::Tensor to_torch(const nabla::Tensor& t, torch::Dtype dtype) {
  std::vector<int64_t> shape(t.shape().begin(), t.shape().end());
  return torch::from_blob(t.contiguous().raw_data(), shape, dtype).clone();
}

// LeNet-5 as in nabla's models/lenet.h: 28x28 input, padding 2 on conv1,
// ReLU, max pooling, 61,706 parameters.
struct LeNet5Impl : torch::nn::Module {
  LeNet5Impl()
      : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 6, 5).padding(2)))),
        conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(6, 16, 5)))),
        fc1(register_module("fc1", torch::nn::Linear(400, 120))),
        fc2(register_module("fc2", torch::nn::Linear(120, 84))),
        fc3(register_module("fc3", torch::nn::Linear(84, 10))) {}
  torch::Tensor forward(torch::Tensor x) {
    x = torch::max_pool2d(torch::relu(conv1->forward(x)), 2);
    x = torch::max_pool2d(torch::relu(conv2->forward(x)), 2);
    x = x.flatten(1);
    return fc3->forward(torch::relu(fc2->forward(torch::relu(fc1->forward(x)))));
  }
  torch::nn::Conv2d conv1, conv2;
  torch::nn::Linear fc1, fc2, fc3;
};
TORCH_MODULE(LeNet5);

}  // namespace

int main(int argc, char** argv) {
  int steps = 200, reps = 5;
  std::string dir = nabla::data::kFashionMnistDir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) {
      steps = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--steps N] [--reps R] [--data DIR]\n", argv[0]);
      return 2;
    }
  }
  const int threads = bench::threads_from_env();
  at::set_num_threads(threads);
  std::fprintf(stderr, "# libtorch %s, blas: %s\n", TORCH_VERSION, bench::loaded_blas().c_str());

  auto train_set = nabla::data::load_mnist(dir, true), test_set = nabla::data::load_mnist(dir, false);
  torch::Tensor x_all = to_torch(train_set.images, torch::kFloat32).reshape({-1, 1, 28, 28});
  torch::Tensor y_all = to_torch(train_set.labels, torch::kInt64);
  torch::Tensor x_test = to_torch(test_set.images, torch::kFloat32).reshape({-1, 1, 28, 28});
  torch::Tensor y_test = to_torch(test_set.labels, torch::kInt64);

  torch::manual_seed(kSeed);
  LeNet5 model;
  int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(kLr).momentum(kMomentum));
  const int64_t n = x_all.size(0), steps_per_epoch = n / kBatch;
  torch::Tensor perm;
  int64_t cursor = steps_per_epoch;  // the first step shuffles
  double last_loss = 0;
  auto run_steps = [&](int count) {
    for (int s = 0; s < count; ++s) {
      if (cursor == steps_per_epoch) {
        perm = torch::randperm(n, torch::kInt64);
        cursor = 0;
      }
      torch::Tensor idx = perm.narrow(0, cursor++ * kBatch, kBatch);
      torch::Tensor x = x_all.index_select(0, idx), y = y_all.index_select(0, idx);
      torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
      if (s == count - 1) last_loss = loss.item<double>();
    }
  };
  run_steps(kWarmup);
  std::vector<double> window_s;
  for (int r = 0; r < reps; ++r) {
    auto start = std::chrono::steady_clock::now();
    run_steps(steps);
    window_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::fprintf(stderr, "# libtorch window %d: %.1f steps/s, loss %.4f\n", r + 1, steps / window_s.back(), last_loss);
  }
  double acc;
  {
    torch::NoGradGuard no_grad;
    model->eval();
    int64_t correct = 0;
    for (int64_t i = 0; i < x_test.size(0); i += 1000) {
      const int64_t m = std::min<int64_t>(1000, x_test.size(0) - i);
      correct += model->forward(x_test.narrow(0, i, m)).argmax(1).eq(y_test.narrow(0, i, m)).sum().item<int64_t>();
    }
    acc = 100.0 * static_cast<double>(correct) / static_cast<double>(x_test.size(0));
  }
  const double med = bench::median(window_s);
  std::printf(
      "{\"bench\": \"cnn\", \"impl\": \"libtorch\", \"threads\": %d, \"steps_per_s\": %.1f, \"window_s\": %.3f, "
      "\"steps\": %d, \"reps\": %d, \"params\": %lld, \"test_acc\": %.2f, \"final_loss\": %.4f, "
      "\"peak_rss_mib\": %.1f}\n",
      threads, steps / med, med, steps, reps, static_cast<long long>(params), acc, last_loss, bench::peak_rss_mib());
  return 0;
}
