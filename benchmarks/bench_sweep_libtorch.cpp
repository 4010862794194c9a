// size-sweep, LibTorch twin of bench_sweep.cpp: the same sizes, model,
// optimizer, batch, synthetic data policy and timing protocol
// (bench_sweep.h), written as a LibTorch user would.
//
// Usage: OMP_NUM_THREADS=1 bench_sweep_libtorch [--sizes a,b] [--reps N] [--min-time S]
// Prints one JSON line per size on stdout; the BLAS in use goes to stderr.
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_sweep.h"

namespace sw = bench::sweep;

namespace {

// OpenBLAS picks its kernels for the CPU at load time; a CPU newer than the
// OpenBLAS release may get the generic SSE3 ("Prescott") ones. Say which.
std::string openblas_core() {
  using Fn = const char* (*)();
  auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return fn ? fn() : "not OpenBLAS";
}

std::vector<double> run_libtorch(const sw::Size& size, int reps, double min_time, double* final_loss) {
  torch::manual_seed(sw::kSeed);
  torch::nn::Sequential model;
  const std::vector<int64_t> w = sw::widths(size);
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    model->push_back(torch::nn::Linear(w[i], w[i + 1]));
    if (i + 2 < w.size()) model->push_back(torch::nn::ReLU());
  }
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(sw::kLr).momentum(sw::kMomentum));
  std::vector<torch::Tensor> xs, ys;
  for (int i = 0; i < sw::kDataBatches; ++i) {
    xs.push_back(torch::randn({sw::kBatch, sw::kInputs}));
    ys.push_back(torch::randint(0, sw::kClasses, {sw::kBatch}, torch::kInt64));
  }
  int64_t next = 0;
  torch::Tensor loss;
  auto step = [&] {
    const size_t b = static_cast<size_t>(next++ % sw::kDataBatches);
    loss = torch::nn::functional::cross_entropy(model->forward(xs[b]), ys[b]);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  };
  std::vector<double> rates = sw::time_steps(step, reps, min_time);
  *final_loss = loss.item<double>();
  return rates;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = sw::kDefaultReps;
  double min_time = sw::kMinRepTime;
  std::vector<sw::Size> sizes = sw::all_sizes();
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--min-time") && i + 1 < argc) {
      min_time = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc) {
      sizes = sw::parse_sizes(argv[++i]);
      if (sizes.empty()) return 2;
    } else {
      std::fprintf(stderr, "usage: %s [--sizes a,b] [--reps N] [--min-time S]\n", argv[0]);
      return 2;
    }
  }
  const int threads = bench::threads_from_env();
  at::set_num_threads(threads);
  std::fprintf(stderr, "# libtorch %s, blas: %s (OpenBLAS core: %s)\n", TORCH_VERSION, bench::loaded_blas().c_str(),
               openblas_core().c_str());
  for (const sw::Size& size : sizes) {
    double loss = 0;
    const std::vector<double> rates = run_libtorch(size, reps, min_time, &loss);
    std::fprintf(stderr, "# libtorch %s: loss after the last step %.4f\n", size.name.c_str(), loss);
    sw::print_result("libtorch", threads, size, rates);
  }
  return 0;
}
