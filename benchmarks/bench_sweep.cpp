// size-sweep (../shared/BENCHMARKS.md): training steps/s of MLPs from ~0.1M
// to ~37M parameters (784 inputs, ReLU hidden layers, 10 classes), batch 64,
// SGD lr 0.01 momentum 0.9, cross-entropy, on synthetic random data (a few
// fixed batches held in memory), with nabla's nn + optim; the LibTorch and
// PyTorch twins run the same sizes in the same run, size by size, so that
// the machine's drift hits all three alike.
//
// Usage: OMP_NUM_THREADS=1 bench_sweep [--sizes a,b] [--reps N] [--min-time S] [--no-peers]
// Prints one JSON line per implementation and size, e.g.
//   {"bench": "size-sweep", "impl": "nabla", "threads": 1, "size": "4096x3", "params": 36818954, "steps_per_s": ...}
// then one "vs" line per peer and size (ratio = nabla steps/s ÷ peer
// steps/s: > 1 means nabla is faster) and a table. steps_per_s is the median
// over --reps timed reps of at least --min-time seconds each (bench_sweep.h).
#include <nabla/nabla.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "bench_sweep.h"

using namespace nabla;
namespace sw = bench::sweep;

namespace {

std::vector<double> run_nabla(const sw::Size& size, int reps, double min_time, double* final_loss) {
  manual_seed(sw::kSeed);
  nn::MLP model(sw::kInputs, size.hidden, sw::kClasses);
  optim::SGD sgd(model.parameters(), {{"lr", sw::kLr}, {"momentum", sw::kMomentum}});
  Generator gen(sw::kSeed);
  std::vector<Tensor> xs, ys;
  for (int i = 0; i < sw::kDataBatches; ++i) {
    xs.push_back(randn({sw::kBatch, sw::kInputs}, gen));
    ys.push_back(randint(0, sw::kClasses, {sw::kBatch}, gen));
  }
  int64_t next = 0;
  Tensor loss;
  auto step = [&] {
    const size_t b = static_cast<size_t>(next++ % sw::kDataBatches);
    loss = nn::functional::cross_entropy(model(xs[b]), ys[b]);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  };
  std::vector<double> rates = sw::time_steps(step, reps, min_time);
  *final_loss = loss.item();
  return rates;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = sw::kDefaultReps;
  double min_time = sw::kMinRepTime;
  bool peers = true;
  std::vector<sw::Size> sizes = sw::all_sizes();
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--min-time") && i + 1 < argc) {
      min_time = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc) {
      sizes = sw::parse_sizes(argv[++i]);
      if (sizes.empty()) return 2;
    } else if (!std::strcmp(argv[i], "--no-peers")) {
      peers = false;
    } else {
      std::fprintf(stderr, "usage: %s [--sizes a,b] [--reps N] [--min-time S] [--no-peers]\n", argv[0]);
      return 2;
    }
  }
  if (reps < 1 || !(min_time > 0)) {
    std::fprintf(stderr, "bench_sweep: --reps must be >= 1 and --min-time > 0\n");
    return 2;
  }
  const int threads = bench::threads_from_env();
  set_num_threads(threads);

  struct Row {
    std::string size;
    int64_t params;
    std::map<std::string, double> steps_per_s;  // by impl
  };
  std::vector<Row> rows;
  std::vector<std::string> peer_names;
  for (const sw::Size& size : sizes) {
    Row row{size.name, sw::params(size), {}};
    double loss = 0;
    const std::vector<double> rates = run_nabla(size, reps, min_time, &loss);
    std::fprintf(stderr, "# nabla %s: loss after the last step %.4f\n", size.name.c_str(), loss);
    sw::print_result("nabla", threads, size, rates);
    row.steps_per_s["nabla"] = bench::median(rates);
    if (peers) {
      const std::string args =
          " --sizes " + size.name + " --reps " + std::to_string(reps) + " --min-time " + std::to_string(min_time);
      std::vector<std::string> commands;
#ifdef NABLA_LIBTORCH_SWEEP
      commands.push_back(std::string(NABLA_LIBTORCH_SWEEP) + args);
#endif
#ifdef NABLA_PYTORCH_SWEEP
      commands.push_back("/usr/bin/python3 " + std::string(NABLA_PYTORCH_SWEEP) + args);
#endif
      for (const std::string& cmd : commands)
        for (const std::string& line : bench::run_peer(cmd)) {
          if (bench::json_string(line, "bench") != "size-sweep") continue;
          const std::string impl = bench::json_string(line, "impl");
          const double peer = bench::json_number(line, "steps_per_s");
          row.steps_per_s[impl] = peer;
          if (std::find(peer_names.begin(), peer_names.end(), impl) == peer_names.end()) peer_names.push_back(impl);
          std::printf(
              "{\"bench\": \"size-sweep\", \"impl\": \"nabla\", \"vs\": \"%s\", \"threads\": %d, \"size\": \"%s\", "
              "\"ratio\": %.2f}\n",
              impl.c_str(), threads, size.name.c_str(), row.steps_per_s["nabla"] / peer);
          std::fflush(stdout);
        }
    }
    rows.push_back(row);
  }

  std::printf("\nsize-sweep, batch %lld, %d thread(s), median of %d reps (steps/s; ratio = nabla / peer)\n",
              static_cast<long long>(sw::kBatch), threads, reps);
  std::printf("%-8s %11s %10s", "size", "params", "nabla");
  for (const std::string& p : peer_names) std::printf(" %10s %7s", p.c_str(), "ratio");
  std::printf("\n");
  for (const Row& r : rows) {
    std::printf("%-8s %11lld %10.2f", r.size.c_str(), static_cast<long long>(r.params), r.steps_per_s.at("nabla"));
    for (const std::string& p : peer_names) {
      auto it = r.steps_per_s.find(p);
      if (it == r.steps_per_s.end())
        std::printf(" %10s %7s", "-", "-");
      else
        std::printf(" %10.2f %6.2fx", it->second, r.steps_per_s.at("nabla") / it->second);
    }
    std::printf("\n");
  }
  return 0;
}
