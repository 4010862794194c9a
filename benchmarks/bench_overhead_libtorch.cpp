// op-overhead, LibTorch peer: nanoseconds of forward + backward per recorded
// autograd op on tiny tensors. Method: benchmarks/overhead_method.md.
//
// Usage: OMP_NUM_THREADS=1 bench_overhead_libtorch [--reps N]
// Prints one JSON line per op on stdout; the BLAS in use goes to stderr.
// Standalone on purpose: no nabla dependency, so it measures LibTorch only.

// torch/types.h (tensors, factories, autograd) parses in about half the time
// of torch/torch.h, which also pulls in nn, optim and data.
#include <ATen/Parallel.h>
#include <torch/types.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench_common.h"
#include "bench_contention.h"

namespace {

constexpr int kChainLength = 1000;       // K: recorded ops per rep
constexpr int kWarmupReps = 20;          // untimed reps: allocator and caches warm
constexpr int kDefaultReps = 200;        // R: timed reps, the median is reported
constexpr int64_t kVectorSize = 4;       // add/mul/relu operate on 4 elements
constexpr int64_t kMatrixSize = 4;       // matmul is 4x4 @ 4x4
constexpr float kAddStep = 1e-3f;        // y + w: K steps add only 1.0
constexpr float kMulFactor = 1.0001f;    // y * w: 1.0001^1000 ~ 1.105
constexpr float kMatmulOffDiag = 1e-4f;  // w = I + 1e-4: growth <= ~1.49

const char* const kOps[] = {"add", "mul", "relu", "matmul"};

// The leaves of one op's chain; w is undefined for relu (unary).
struct Leaves {
  torch::Tensor x;
  torch::Tensor w;
};

Leaves make_leaves(const std::string& op) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).requires_grad(true);
  // x = 1 everywhere: positive, so relu lets every gradient through.
  if (op == "matmul") {
    torch::Tensor w = torch::eye(kMatrixSize, torch::kFloat32) + kMatmulOffDiag;
    return {torch::ones({kMatrixSize, kMatrixSize}, opts), w.requires_grad_()};
  }
  torch::Tensor x = torch::ones({kVectorSize}, opts);
  if (op == "add") return {x, torch::full({kVectorSize}, kAddStep, opts)};
  if (op == "mul") return {x, torch::full({kVectorSize}, kMulFactor, opts)};
  return {x, torch::Tensor()};
}

// One rep: K recorded ops, then backward. The chain lives only inside this
// function, so the graph is freed before the caller stops the clock.
void run_chain(const std::string& op, const Leaves& leaves) {
  // One loop per op, so no per-op branch lands inside the timed chain.
  torch::Tensor y = leaves.x;
  if (op == "add") {
    for (int k = 0; k < kChainLength; ++k) y = y + leaves.w;
  } else if (op == "mul") {
    for (int k = 0; k < kChainLength; ++k) y = y * leaves.w;
  } else if (op == "relu") {
    for (int k = 0; k < kChainLength; ++k) y = torch::relu(y);
  } else {
    for (int k = 0; k < kChainLength; ++k) y = y.matmul(leaves.w);
  }
  y.sum().backward();
}

// Every timed rep's (rep time / K) in ns, with the contention probe of
// bench_contention.h timed around each rep (as bench_overhead does).
bench::ProbedReps time_op(const std::string& op, int reps) {
  Leaves leaves = make_leaves(op);
  bench::ProbedReps out;
  for (int rep = 0; rep < kWarmupReps + reps; ++rep) {
    // Grads set to none, as zero_grad(set_to_none) does; not timed.
    leaves.x.mutable_grad().reset();
    if (leaves.w.defined()) leaves.w.mutable_grad().reset();
    if (rep == kWarmupReps) out.begin();

    const auto start = std::chrono::steady_clock::now();
    run_chain(op, leaves);
    const auto stop = std::chrono::steady_clock::now();

    if (rep >= kWarmupReps) out.add(std::chrono::duration<double, std::nano>(stop - start).count() / kChainLength);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = kDefaultReps;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--reps N]\n", argv[0]);
      return 2;
    }
  }
  if (reps < 1) {
    std::fprintf(stderr, "--reps must be >= 1\n");
    return 2;
  }

  const int threads = bench::threads_from_env();
  at::set_num_threads(threads);  // same call torch::set_num_threads makes

  std::fprintf(stderr, "# libtorch %s, blas: %s\n", TORCH_VERSION, bench::loaded_blas().c_str());

  std::vector<bench::ProbedReps> timed;
  for (const char* op : kOps) timed.push_back(time_op(op, reps));
  const std::vector<bench::QuietSummary> summary = bench::summarize(timed);
  for (size_t i = 0; i < summary.size(); ++i) {
    // ns_per_op: median as Python's statistics.median (mean of the middle two for even R).
    std::printf(
        "{\"bench\": \"op-overhead\", \"op\": \"%s\", \"impl\": \"libtorch\", \"threads\": %d, \"ns_per_op\": %.1f",
        kOps[i], threads, summary[i].median_all);
    bench::print_quiet_fields(summary[i], "ns_per_op_quiet");
    std::printf("}\n");
  }
  std::fflush(stdout);
  return 0;
}
