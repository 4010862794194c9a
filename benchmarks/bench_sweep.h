// size-sweep (../shared/BENCHMARKS.md): what bench_sweep.cpp and its
// LibTorch twin share - the model sizes, the training configuration and the
// timing protocol - so that both do exactly the same work and are timed the
// same way. bench_sweep_pytorch.py repeats these numbers (bench_common.py
// holds its copy of the timing protocol).
#pragma once
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.h"

namespace bench::sweep {

constexpr int64_t kBatch = 64;       // examples per step
constexpr int64_t kInputs = 784;     // a flattened 28x28 image
constexpr int64_t kClasses = 10;     // logits
constexpr double kLr = 0.01;         // SGD learning rate
constexpr double kMomentum = 0.9;    // SGD momentum
constexpr int kDataBatches = 4;      // distinct random batches, cycled
constexpr uint64_t kSeed = 0;        // init and data
constexpr int kDefaultReps = 5;      // steps/s is the median over reps
constexpr double kMinRepTime = 1.0;  // seconds each rep runs at least
constexpr double kWarmupTime = 0.3;  // seconds of untimed steps first

struct Size {
  std::string name;             // as printed and as --sizes takes it
  std::vector<int64_t> hidden;  // hidden widths (ReLU after each)
};

// ~0.1M to ~37M parameters (the widths of BENCHMARKS.md).
inline const std::vector<Size>& all_sizes() {
  static const std::vector<Size> sizes{{"128-64", {128, 64}},
                                       {"512x2", {512, 512}},
                                       {"1024x3", {1024, 1024, 1024}},
                                       {"2048x3", {2048, 2048, 2048}},
                                       {"4096x3", {4096, 4096, 4096}}};
  return sizes;
}

// "a,b" -> those sizes in that order; an unknown name is an error (empty).
inline std::vector<Size> parse_sizes(const std::string& list) {
  std::vector<Size> out;
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    bool found = false;
    for (const Size& s : all_sizes())
      if (s.name == name) {
        out.push_back(s);
        found = true;
      }
    if (!found) {
      std::fprintf(stderr, "unknown size '%s' (known:", name.c_str());
      for (const Size& s : all_sizes()) std::fprintf(stderr, " %s", s.name.c_str());
      std::fprintf(stderr, ")\n");
      return {};
    }
  }
  return out;
}

// The layer widths from input to logits: 784, hidden..., 10.
inline std::vector<int64_t> widths(const Size& s) {
  std::vector<int64_t> w{kInputs};
  w.insert(w.end(), s.hidden.begin(), s.hidden.end());
  w.push_back(kClasses);
  return w;
}

inline int64_t params(const Size& s) {
  const std::vector<int64_t> w = widths(s);
  int64_t n = 0;
  for (size_t i = 0; i + 1 < w.size(); ++i) n += w[i] * w[i + 1] + w[i + 1];
  return n;
}

// Multiply-add FLOPs of one training step's GEMMs: forward (2·B·in·out per
// layer), weight gradients (the same again) and input gradients of every
// layer but the first (its input needs none). Elementwise work not counted.
inline double gemm_flops_per_step(const Size& s) {
  const std::vector<int64_t> w = widths(s);
  double f = 0;
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    const double layer = 2.0 * kBatch * static_cast<double>(w[i] * w[i + 1]);
    f += (i == 0 ? 2 : 3) * layer;
  }
  return f;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The timing protocol: untimed steps for kWarmupTime (at least 2), which
// also give the step time; then `reps` timed reps of enough steps to last
// min_rep_time (at least 1). Returns steps/s of each rep.
template <class Step>
std::vector<double> time_steps(Step&& step, int reps, double min_rep_time) {
  int64_t warm = 0;
  auto start = std::chrono::steady_clock::now();
  while (warm < 2 || seconds_since(start) < kWarmupTime) {
    step();
    ++warm;
  }
  const double step_s = seconds_since(start) / static_cast<double>(warm);
  const int64_t steps = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(min_rep_time / step_s)));
  std::vector<double> rates;
  for (int r = 0; r < reps; ++r) {
    start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < steps; ++i) step();
    rates.push_back(static_cast<double>(steps) / seconds_since(start));
  }
  return rates;
}

// (max - min) / median of the reps: how noisy the figure is.
inline double spread(const std::vector<double>& v) {
  const double med = median(v);
  return med > 0 ? (*std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end())) / med : 0.0;
}

// The JSON line every implementation prints per size.
inline void print_result(const char* impl, int threads, const Size& s, const std::vector<double>& rates) {
  const double sps = median(rates);
  std::printf(
      "{\"bench\": \"size-sweep\", \"impl\": \"%s\", \"threads\": %d, \"size\": \"%s\", \"params\": %lld, "
      "\"steps_per_s\": %.2f, \"gflop_per_s\": %.1f, \"reps\": %zu, \"spread\": %.3f}\n",
      impl, threads, s.name.c_str(), static_cast<long long>(params(s)), sps, sps * gemm_flops_per_step(s) / 1e9,
      rates.size(), spread(rates));
  std::fflush(stdout);
}

}  // namespace bench::sweep
