// op-overhead: nanoseconds of forward + backward per recorded autograd op on
// tiny tensors, nabla against LibTorch (and PyTorch) in the same run.
// Method: benchmarks/overhead_method.md (the peers follow it too).
//
// Usage: OMP_NUM_THREADS=1 bench_overhead [--reps N] [--no-peers]
// Prints one JSON line per (op, impl), then one "ratio" line per op
// (peer ns / nabla ns: how many times fewer ns nabla spends), then a table.
// Each op's line also says how many reps ran while this core was not shared
// with another tenant, and when most did, ns_per_op_quiet: the median over
// those reps (bench_contention.h).
#include <nabla/nabla.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "bench_common.h"
#include "bench_contention.h"

using namespace nabla;

namespace {

constexpr int kChainLength = 1000;       // K: recorded ops per rep
constexpr int kWarmupReps = 20;          // untimed reps: allocator cache and branch predictors warm
constexpr int kDefaultReps = 200;        // R: timed reps, the median is reported
constexpr float kAddStep = 1e-3f;        // y + w: K steps add only 1.0
constexpr float kMulFactor = 1.0001f;    // y * w: 1.0001^1000 ~ 1.105
constexpr float kMatmulOffDiag = 1e-4f;  // w = I + 1e-4: growth <= ~1.49
const char* const kOps[] = {"add", "mul", "relu", "matmul"};

struct Leaves {
  Tensor x, w;
};

Leaves make_leaves(const std::string& op) {
  if (op == "matmul") return {ones({4, 4}).requires_grad_(), (eye(4) + kMatmulOffDiag).requires_grad_()};
  Tensor x = ones({4}).requires_grad_();
  if (op == "add") return {x, full({4}, kAddStep).requires_grad_()};
  if (op == "mul") return {x, full({4}, kMulFactor).requires_grad_()};
  return {x, Tensor()};
}

// One rep; the chain dies inside, so freeing the graph is timed too.
void run_chain(const std::string& op, const Leaves& l) {
  Tensor y = l.x;
  if (op == "add") {
    for (int k = 0; k < kChainLength; ++k) y = y + l.w;
  } else if (op == "mul") {
    for (int k = 0; k < kChainLength; ++k) y = y * l.w;
  } else if (op == "relu") {
    for (int k = 0; k < kChainLength; ++k) y = relu(y);
  } else {
    for (int k = 0; k < kChainLength; ++k) y = matmul(y, l.w);
  }
  y.sum().backward();
}

// ns per op of every timed rep, with the contention probe around each.
bench::ProbedReps time_op(const std::string& op, int reps) {
  Leaves l = make_leaves(op);
  bench::ProbedReps out;
  for (int rep = 0; rep < kWarmupReps + reps; ++rep) {
    l.x.zero_grad();
    if (l.w.defined()) l.w.zero_grad();
    if (rep == kWarmupReps) out.begin();
    auto start = std::chrono::steady_clock::now();
    run_chain(op, l);
    auto stop = std::chrono::steady_clock::now();
    if (rep >= kWarmupReps) out.add(std::chrono::duration<double, std::nano>(stop - start).count() / kChainLength);
  }
  return out;
}

// A peer's ns_per_op by op, from its JSON lines.
// (Unused in a build that finds neither peer.)
[[maybe_unused]] std::map<std::string, double> ns_by_op(const std::vector<std::string>& lines) {
  std::map<std::string, double> out;
  for (const std::string& line : lines) {
    std::string op = bench::json_string(line, "op");
    if (!op.empty()) out[op] = bench::json_number(line, "ns_per_op");
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = kDefaultReps;
  bool peers = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--no-peers")) {
      peers = false;
    } else {
      std::fprintf(stderr, "usage: %s [--reps N] [--no-peers]\n", argv[0]);
      return 2;
    }
  }
  if (reps < 1) {
    std::fprintf(stderr, "bench_overhead: --reps must be >= 1\n");
    return 2;
  }
  const int threads = bench::threads_from_env();
  nabla::set_num_threads(threads);

  std::vector<bench::ProbedReps> timed;
  for (const char* op : kOps) timed.push_back(time_op(op, reps));
  const std::vector<bench::QuietSummary> summary = bench::summarize(timed);
  std::map<std::string, double> nabla_ns, quiet_ns;
  for (size_t i = 0; i < summary.size(); ++i) {
    const char* op = kOps[i];
    nabla_ns[op] = summary[i].median_all;
    quiet_ns[op] = summary[i].median_quiet;
    std::printf(
        "{\"bench\": \"op-overhead\", \"op\": \"%s\", \"impl\": \"nabla\", \"threads\": %d, \"ns_per_op\": %.1f", op,
        threads, summary[i].median_all);
    bench::print_quiet_fields(summary[i], "ns_per_op_quiet");
    std::printf("}\n");
  }
  std::fflush(stdout);

  std::map<std::string, std::map<std::string, double>> peer_ns;
  if (peers) {
    const std::string args = " --reps " + std::to_string(reps);
#ifdef NABLA_LIBTORCH_BENCH
    peer_ns["libtorch"] = ns_by_op(bench::run_peer(std::string(NABLA_LIBTORCH_BENCH) + args + " 2>/dev/null"));
#endif
#ifdef NABLA_PYTORCH_BENCH
    peer_ns["pytorch"] =
        ns_by_op(bench::run_peer("/usr/bin/python3 " + std::string(NABLA_PYTORCH_BENCH) + args + " 2>/dev/null"));
#endif
  }
  for (const auto& [impl, by_op] : peer_ns)
    for (const auto& [op, ns] : by_op)
      if (nabla_ns.count(op))
        std::printf(
            "{\"bench\": \"op-overhead\", \"op\": \"%s\", \"impl\": \"nabla\", \"vs\": \"%s\", \"threads\": %d, "
            "\"ratio\": %.2f}\n",
            op.c_str(), impl.c_str(), threads, ns / nabla_ns[op]);

  std::printf("\n%-8s %12s %16s", "op", "nabla ns", "nabla quiet ns");
  for (const auto& p : peer_ns) std::printf(" %12s %8s", (p.first + " ns").c_str(), "ratio");
  std::printf("\n");
  for (const char* op : kOps) {
    std::printf("%-8s %12.1f", op, nabla_ns[op]);
    if (quiet_ns[op] > 0)
      std::printf(" %16.1f", quiet_ns[op]);
    else
      std::printf(" %16s", "-");
    for (const auto& p : peer_ns) {
      auto it = p.second.find(op);
      if (it == p.second.end())
        std::printf(" %12s %8s", "-", "-");
      else
        std::printf(" %12.1f %7.2fx", it->second, it->second / nabla_ns[op]);
    }
    std::printf("\n");
  }
  return 0;
}
