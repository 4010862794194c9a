// mlp-fmnist (../shared/BENCHMARKS.md): train the MLP 784-128-64-10 (ReLU)
// on Fashion-MNIST, batch 32, SGD lr 0.01 momentum 0.9, cross-entropy, with
// nabla's nn + optim; then the LibTorch and PyTorch twins, same
// configuration, same run, and the ratios.
//
// nabla's loop ("nabla", the one the targets are measured on) is forward and
// backward with the optimizer stepping inside backward
// (sgd.step_in_backward(), optim/optimizer.h: PyTorch's "optimizer step in
// backward"): each parameter is updated as soon as its gradient is whole,
// and each linear layer's weight gradient goes straight from its GEMM's
// tiles into the SGD update, never stored. The updates are those of the
// standard loop (zero_grad, backward, step) bit for bit. The twins run the
// standard loop: LibTorch 1.13 and PyTorch 1.13 have no such mode (PyTorch
// 2.1's post-accumulate-grad hooks give the order, not the fused kernel).
// The standard loop runs too, same seed, same batches: impl
// "nabla-standard", its ratio to nabla's loop and to the peers, and whether
// its weights equal nabla's loop's bit for bit (they must).
//
// Usage: OMP_NUM_THREADS=1 bench_mlp [--epochs N] [--seed N] [--no-peers] [--data DIR]
// (--seed: init and shuffling of every implementation, default 0; each side
// draws from its own generator, so equal seeds give equal runs of one side,
// not the same numbers on both sides).
// Prints one JSON line per implementation, e.g.
//   {"bench": "mlp-fmnist", "impl": "nabla", "threads": 1, "steps_per_s": ..., "test_acc": ..., ...}
// then one "ratio" line per peer (peer's time / nabla's time: > 1 means
// nabla is faster), the memory lines and a table. steps_per_s is the median
// over epochs; test_acc is measured after the last epoch. The data is held in
// memory (loaded before timing); each epoch visits the 60,000 images once in
// a fresh random order (1,875 steps).
//
// The compute floor: the FLOPs of one step's GEMMs (computed from the layer
// shapes below) divided by a GEMM rate measured here, at the same thread
// count, on those very shapes. Two rates: the machine's BLAS (the system
// OpenBLAS, as ../shared/BENCHMARKS.md defines the floor: blas_floor_ms,
// blas_floor_fraction) and nabla's own GEMM, which is faster on these
// shapes and so gives the stricter floor (floor_ms, floor_fraction).
// fraction = floor / measured ms per step (1.0 would mean the step does
// nothing but its GEMMs). Under both lies the arithmetic ceiling: the same
// FLOPs at the core's peak FMA rate, measured here too (bench_peak.h), times
// the threads: peak_floor_ms. No step can be faster, whatever its GEMM.
//
// memory: peak RSS of each implementation's process, and the system
// allocations of nabla's caching allocator (tensor/allocator.h) per step
// once the first steps have filled its free lists (0 is the target).
//
// replay: the same training once more (same seed, same batches), the
// standard loop with its step captured at the first step (nabla::capture,
// tensor/capture.h) and replayed at every other: impl "nabla-replay", its
// ratios to the peers, and whether its weights equal nabla's loop's bit for
// bit (they must). --no-replay skips it. Both are informative.
//
// phases: where the eager step's time goes. One more epoch of the standard
// loop (after kWarmSteps untimed steps), each step's four phases timed with
// the steady clock: gather (the batch's index_selects), forward (model and
// loss), backward (zero_grad and backward) and update (the optimizer's
// step), as mean ms per step: impl "nabla-phases". Informative.
#include <nabla/nabla.h>
#include <nabla/trainer/data/idx.h>

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "bench_common.h"
#include "bench_cross_core.h"
#include "bench_peak.h"

using namespace nabla;

// Every call of the global operator new in this process: the graph's nodes,
// closures and vectors, which the tensor allocator does not see. Counted to
// report the heap allocations of a steady-state step (informative; the
// allocator's counter is the target). Replacing operator new and delete is
// standard C++; the count costs one relaxed atomic add per call.
static std::atomic<int64_t> g_new_calls{0};
void* operator new(size_t n) {
  g_new_calls.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

constexpr int64_t kBatch = 32;                // examples per step
constexpr double kLr = 0.01;                  // SGD learning rate
constexpr double kMomentum = 0.9;             // SGD momentum
constexpr int kDefaultEpochs = 3;             // steps/s is the median over epochs
constexpr int64_t kWarmSteps = 20;            // steps that may still fill the allocator's free lists
constexpr int kGemmWarmup = 20;               // untimed GEMM calls per shape
constexpr int kGemmSamples = 31;              // timed samples per shape, the median is used
constexpr int kGemmCallsPerSample = 10;       // GEMM calls in one timed sample
constexpr uint64_t kDefaultSeed = 0;          // init and shuffling (--seed)
const std::vector<int64_t> kHidden{128, 64};  // hidden widths (ReLU)

// The layer widths, input to output: 784-128-64-10.
std::vector<int64_t> layer_widths() {
  std::vector<int64_t> w{784};
  w.insert(w.end(), kHidden.begin(), kHidden.end());
  w.push_back(10);
  return w;
}

struct Result {
  std::vector<Tensor> params;  // the trained weights
  double steps_per_s, epoch_s, test_acc, final_loss;
  AllocatorStats after_warm, at_end;      // allocator counters after kWarmSteps and after the last step
  int64_t new_calls_warm, new_calls_end;  // operator new calls at the same two moments
  int64_t steps_after_warm;               // steps between those two snapshots
};

// One GEMM of a training step: C[m, n] = A[m, k] · B[k, n], with A or B a
// transposed view where the step has one.
struct GemmShape {
  const char* what;
  int64_t m, n, k;
  bool a_transposed, b_transposed;
  double flops() const { return 2.0 * static_cast<double>(m * n * k); }
};

// The GEMMs of one step of nn::Linear (weight [out, in], y = x · wᵀ):
// forward x · wᵀ; backward dw = dzᵀ · x for every layer and dx = dz · w for
// every layer but the first (the data needs no gradient). Biases, ReLU and
// the loss are O(batch · width) and left out of the floor.
std::vector<GemmShape> step_gemms() {
  std::vector<GemmShape> g;
  const std::vector<int64_t> w = layer_widths();
  for (size_t l = 0; l + 1 < w.size(); ++l) {
    const int64_t in = w[l], out = w[l + 1];
    g.push_back({"forward x.wT", kBatch, out, in, false, true});
    g.push_back({"grad dzT.x", out, in, kBatch, true, false});
    if (l > 0) g.push_back({"grad dz.w", kBatch, in, out, false, false});
  }
  return g;
}

// Median seconds of one call of gemm(): kGemmWarmup calls untimed, then
// kGemmSamples samples of kGemmCallsPerSample calls.
template <class F>
double median_call_seconds(F gemm) {
  for (int i = 0; i < kGemmWarmup; ++i) gemm();
  std::vector<double> sample_s;
  for (int i = 0; i < kGemmSamples; ++i) {
    auto start = std::chrono::steady_clock::now();
    for (int j = 0; j < kGemmCallsPerSample; ++j) gemm();
    sample_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
                       kGemmCallsPerSample);
  }
  return bench::median(sample_s);
}

// One nabla matmul of this shape (no autograd), with the operands laid out
// as in the step (transposed views are not copied).
double time_gemm(const GemmShape& s, Generator& gen) {
  NoGradGuard no_grad;
  const Tensor a = s.a_transposed ? randn({s.k, s.m}, gen).t() : randn({s.m, s.k}, gen);
  const Tensor b = s.b_transposed ? randn({s.n, s.k}, gen).t() : randn({s.k, s.n}, gen);
  return median_call_seconds([&] { (void)matmul(a, b); });
}

// The machine's BLAS: cblas_sgemm of the system OpenBLAS (the library nabla
// loads for its large products, and the peers' BLAS), opened at run time;
// null when the build found none.
using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
void* system_blas() {
#ifdef NABLA_BLAS_LIBRARY
  setenv("OPENBLAS_NUM_THREADS", "1", /*overwrite=*/0);  // as nabla asks (kernels/cpu/gemm.cpp); threads are set below
  return dlopen(NABLA_BLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
#else
  return nullptr;
#endif
}
SgemmFn system_sgemm(void* blas) { return blas ? reinterpret_cast<SgemmFn>(dlsym(blas, "cblas_sgemm")) : nullptr; }

// One cblas_sgemm of this shape, same layouts (row-major; a transposed
// operand is the transpose flag on the stored matrix, as in the step).
double time_blas_gemm(SgemmFn sgemm, const GemmShape& s, Generator& gen) {
  NoGradGuard no_grad;
  const Tensor a = randn({s.m * s.k}, gen), b = randn({s.k * s.n}, gen);
  Tensor c = zeros({s.m * s.n});
  const int m = int(s.m), n = int(s.n), k = int(s.k);
  const int trans_a = s.a_transposed ? 112 : 111, trans_b = s.b_transposed ? 112 : 111;  // CBLAS enums
  const int lda = s.a_transposed ? m : k, ldb = s.b_transposed ? k : n;
  // Raw pointers taken once: only the BLAS call itself is timed.
  const float *pa = a.data<float>(), *pb = b.data<float>();
  float* pc = c.data<float>();
  return median_call_seconds([&] { sgemm(101, trans_a, trans_b, m, n, k, 1.0f, pa, lda, pb, ldb, 0.0f, pc, n); });
}

struct Floor {
  double step_mflop;    // FLOPs of one step's GEMMs
  double gemm_gflops;   // measured rate over those shapes: their FLOPs / their summed median times
  double first_gflops;  // the largest one alone (32x784 . 784x128), BENCHMARKS.md's reference GEMM
  double floor_ms;      // step FLOPs / gemm rate
};

// The floor at the rate of `time_one` (seconds of one GEMM of a shape) over
// the step's shapes; `who` names the GEMM in the per-shape lines on stderr.
template <class F>
Floor measure_floor(const char* who, F time_one) {
  double flops = 0, seconds = 0, first_gflops = 0;
  for (const GemmShape& s : step_gemms()) {
    const double t = time_one(s);
    std::fprintf(stderr, "# %s gemm %-13s %4lld x %4lld x %4lld: %8.2f us, %6.1f GFLOP/s\n", who, s.what,
                 static_cast<long long>(s.m), static_cast<long long>(s.n), static_cast<long long>(s.k), t * 1e6,
                 s.flops() / t * 1e-9);
    if (flops == 0) first_gflops = s.flops() / t * 1e-9;
    flops += s.flops();
    seconds += t;
  }
  const double rate = flops / seconds;
  return {flops * 1e-6, rate * 1e-9, first_gflops, flops / rate * 1e3};
}

// The floor at nabla's own GEMM rate.
Floor measure_floor() {
  Generator gen(12345);  // the GEMM operands' values do not matter
  return measure_floor("nabla", [&](const GemmShape& s) { return time_gemm(s, gen); });
}

// The floor at the machine's BLAS rate, as ../shared/BENCHMARKS.md defines
// it (its reference: OpenBLAS on 32x784x128, 0.18 ms per step), with
// `threads` OpenBLAS threads; floor_ms < 0 when no BLAS is loaded.
Floor measure_blas_floor(int threads) {
  void* blas = system_blas();
  const SgemmFn sgemm = system_sgemm(blas);
  if (!sgemm) return {0, 0, 0, -1};
  using SetThreadsFn = void (*)(int);
  auto set_threads = reinterpret_cast<SetThreadsFn>(dlsym(blas, "openblas_set_num_threads"));
  if (set_threads) set_threads(threads);
  Generator gen(12345);
  const Floor f = measure_floor("blas", [&](const GemmShape& s) { return time_blas_gemm(sgemm, s, gen); });
  if (set_threads) set_threads(1);  // what nabla's own large GEMMs ask of it (kernels/cpu/gemm.cpp)
  return f;
}

// The benchmark's model and optimizer, initialised from `seed`: the
// 784-128-64-10 MLP and SGD with momentum, as every run below trains them.
struct Net {
  struct Seed {
    explicit Seed(uint64_t seed) { manual_seed(seed); }
  } seeded;  // first member: seeds the generator before the model draws its weights
  nn::MLP model{784, kHidden, 10};
  optim::SGD sgd{model.parameters(), {{"lr", kLr}, {"momentum", kMomentum}}};
  explicit Net(uint64_t seed) : seeded(seed) {}
};

// The order in which an epoch visits the training set's n examples: a fresh
// shuffle per epoch, from a generator seeded once.
struct EpochOrder {
  std::vector<int64_t> order;
  std::mt19937_64 rng;
  EpochOrder(int64_t n, uint64_t seed) : order(static_cast<size_t>(n)), rng(seed) {
    std::iota(order.begin(), order.end(), 0);
  }
  // Shuffles for the next epoch; returns the order as an index tensor.
  Tensor next() {
    std::shuffle(order.begin(), order.end(), rng);
    return from_vector(order, {static_cast<int64_t>(order.size())});
  }
};

// The two parts of a step that move memory rather than compute, each timed
// alone with nabla's own kernels, in the same run:
//   update: the SGD-momentum update of every parameter. It reads weight,
//     gradient and momentum and writes weight and momentum: 5 x 4 bytes per
//     parameter (2.2 MB for this model), at the cache's bandwidth.
//   gather: one batch of 32 random rows of the training set (100 KB read
//     from a 188 MB array, mostly from DRAM).
// Neither overlaps the GEMMs on one core, so floor / (floor + update +
// gather) is the highest floor_fraction a step of the standard loop
// (zero_grad, backward, step) can reach with dense GEMMs, however fast
// everything else is. (nabla's weight-gradient GEMMs skip the zeros of a
// ReLU layer's gradient, kernels/cpu/gemm_small.h: they do fewer FLOPs
// than the floor counts, so the measured fraction can pass this.)
struct MemoryFloor {
  double update_ms, gather_ms;
};

MemoryFloor measure_memory_floor(const Tensor& x_all, const Tensor& y_all) {
  Net net(kDefaultSeed);  // train() seeds again for itself
  nn::MLP& model = net.model;
  optim::SGD& sgd = net.sgd;
  const Tensor first = arange(0, kBatch, 1, TensorOptions(kInt64));
  nn::functional::cross_entropy(model(index_select(x_all, 0, first)), index_select(y_all, 0, first)).backward();
  sgd.step();  // the first step creates the momentum buffers
  const int64_t n = x_all.size(0);
  const Tensor perm = EpochOrder(n, kDefaultSeed).next();
  std::vector<double> update_s, gather_s;
  int64_t batch = 0;
  for (int i = 0; i < kGemmSamples; ++i) {
    auto start = std::chrono::steady_clock::now();
    for (int j = 0; j < kGemmCallsPerSample; ++j) sgd.step();  // the same gradients again: the time is the same
    update_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
                       kGemmCallsPerSample);
    start = std::chrono::steady_clock::now();
    for (int j = 0; j < kGemmCallsPerSample; ++j, ++batch)
      (void)index_select(x_all, 0, perm.narrow(0, (batch * kBatch) % (n - kBatch), kBatch));
    gather_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
                       kGemmCallsPerSample);
  }
  return {bench::median(update_s) * 1e3, bench::median(gather_s) * 1e3};
}

// The three training loops this benchmark times (the header says which
// counts for what).
enum class Loop {
  kInBackward,  // forward, backward: sgd.step_in_backward() updates in backward
  kStandard,    // forward, zero_grad, backward, step
  kReplay,      // the standard loop's step captured once and replayed
};

// One step on the batch `idx`; mark(phase) is called as each of its phases
// ends (0 gather, 1 forward, 2 backward, 3 update; in the kInBackward loop
// the updates are part of the backward, and the update phase is empty).
template <class Mark>
Tensor training_step(nn::Module& model, optim::SGD& sgd, const Tensor& x_all, const Tensor& y_all, const Tensor& idx,
                     Loop loop, Mark mark) {
  const Tensor x = index_select(x_all, 0, idx), y = index_select(y_all, 0, idx);
  mark(0);
  Tensor loss = nn::functional::cross_entropy(model(x), y);
  mark(1);
  if (loop != Loop::kInBackward) sgd.zero_grad();
  loss.backward();
  mark(2);
  if (loop != Loop::kInBackward) sgd.step();
  mark(3);
  return loss;
}

// Mean ms per step of each phase of training_step (the header says how).
struct Phases {
  double ms[4];  // gather, forward, backward, update
  int64_t steps;
};

Phases measure_phases(const data::MnistSplit& train_set, uint64_t seed) {
  Net net(seed);
  const Tensor x_all = train_set.images.reshape({-1, 784});
  const Tensor y_all = train_set.labels;
  const int64_t n = x_all.size(0), steps = n / kBatch;
  const Tensor perm = EpochOrder(n, seed).next();
  Phases p{{0, 0, 0, 0}, steps};
  for (int64_t s = 0; s < kWarmSteps + steps; ++s) {
    const bool timed = s >= kWarmSteps;
    auto last = std::chrono::steady_clock::now();
    training_step(net.model, net.sgd, x_all, y_all, perm.narrow(0, (s % steps) * kBatch, kBatch), Loop::kStandard,
                  [&](int phase) {
                    const auto now = std::chrono::steady_clock::now();
                    if (timed) p.ms[phase] += std::chrono::duration<double, std::milli>(now - last).count();
                    last = now;
                  });
  }
  for (double& ms : p.ms) ms /= static_cast<double>(steps);
  return p;
}

void print_allocator(const char* when, const AllocatorStats& s) {
  std::fprintf(stderr,
               "# allocator %s: system_allocs %lld, allocs %lld, in use %.1f MiB, peak %.1f MiB, cached %.1f MiB\n",
               when, static_cast<long long>(s.system_allocs), static_cast<long long>(s.allocs),
               static_cast<double>(s.bytes_in_use) / (1 << 20), static_cast<double>(s.peak_bytes_in_use) / (1 << 20),
               static_cast<double>(s.bytes_cached) / (1 << 20));
}

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

// Trains with `loop`. kReplay captures the first step and replays it for
// every other: the batch indices are written into one static index tensor
// that the captured step reads.
Result train(const data::MnistSplit& train_set, const data::MnistSplit& test_set, int epochs, uint64_t seed,
             Loop loop) {
  Net net(seed);
  nn::MLP& model = net.model;
  optim::SGD& sgd = net.sgd;
  const bool replay = loop == Loop::kReplay;
  if (loop == Loop::kInBackward) sgd.step_in_backward();
  const Tensor x_all = train_set.images.reshape({-1, 784});
  const Tensor y_all = train_set.labels;
  const int64_t n = x_all.size(0), steps = n / kBatch;
  EpochOrder shuffled(n, seed);
  std::vector<double> epoch_s;
  double last_loss = 0;
  AllocatorStats after_warm;
  int64_t step_count = 0, warm_at = 0, new_calls_warm = 0;
  Tensor loss;
  const Tensor batch_idx = empty({kBatch}, kInt64);  // replay: the captured step reads its batch here
  CapturedStep captured;
  auto one_step = [&](const Tensor& idx) { loss = training_step(model, sgd, x_all, y_all, idx, loop, [](int) {}); };
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const Tensor perm = shuffled.next();
    auto start = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < steps; ++s) {
      if (!replay) {
        one_step(perm.narrow(0, s * kBatch, kBatch));
      } else {
        std::memcpy(batch_idx.data<int64_t>(), shuffled.order.data() + s * kBatch, sizeof(int64_t) * kBatch);
        if (captured.empty())
          captured = capture([&] { one_step(batch_idx); });  // runs the first step, recording it
        else
          captured.replay();
      }
      if (s == steps - 1) last_loss = loss.item();
      if (++step_count == 1) print_allocator("after step 1", cpu_allocator::stats());
      if (step_count == std::min(kWarmSteps, steps)) {
        after_warm = cpu_allocator::stats();
        new_calls_warm = g_new_calls.load();
        warm_at = step_count;
        print_allocator(("after step " + std::to_string(step_count)).c_str(), after_warm);
      }
    }
    epoch_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::fprintf(stderr, "# %s epoch %d: %.2f s, loss %.4f\n",
                 loop == Loop::kReplay     ? "nabla-replay"
                 : loop == Loop::kStandard ? "nabla-standard"
                                           : "nabla",
                 epoch + 1, epoch_s.back(), last_loss);
  }
  const AllocatorStats at_end = cpu_allocator::stats();
  const int64_t new_calls_end = g_new_calls.load();
  print_allocator(("after step " + std::to_string(step_count) + " (the last)").c_str(), at_end);
  const double med = bench::median(epoch_s);
  return {model.parameters(),
          static_cast<double>(steps) / med,
          med,
          accuracy(model, test_set.images.reshape({-1, 784}), test_set.labels),
          last_loss,
          after_warm,
          at_end,
          new_calls_warm,
          new_calls_end,
          step_count - warm_at};
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = kDefaultEpochs;
  uint64_t seed = kDefaultSeed;
  bool peers = true, replay = true;
  std::string dir = data::kFashionMnistDir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc) {
      epochs = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--no-peers")) {
      peers = false;
    } else if (!std::strcmp(argv[i], "--no-replay")) {
      replay = false;
    } else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--epochs N] [--seed N] [--no-peers] [--no-replay] [--data DIR]\n", argv[0]);
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
  const Floor floor = measure_floor();
  const Floor blas_floor = measure_blas_floor(threads);
  const MemoryFloor memory = measure_memory_floor(train_set.images.reshape({-1, 784}), train_set.labels);
  const double fraction_max = floor.floor_ms / (floor.floor_ms + memory.update_ms + memory.gather_ms);
  const double core_peak = bench::peak_fma_gflops();  // GFLOP/s of one core; 0: not measured
  const double peak_floor_ms = core_peak > 0 ? floor.step_mflop / (core_peak * threads) : -1;  // MFLOP / (GFLOP/s) = ms
  const Result r = train(train_set, test_set, epochs, seed, Loop::kInBackward);
  const double rss = bench::peak_rss_mib();  // this process: data, model, training and the test pass
  // The other loops, after the peak RSS is read: the memory target is nabla's loop's.
  const Result rs = train(train_set, test_set, epochs, seed, Loop::kStandard);
  Result rr;
  if (replay) rr = train(train_set, test_set, epochs, seed, Loop::kReplay);
  const Phases phases = measure_phases(train_set, seed);
  const bench::CrossCore cross_core = bench::cross_core_ns_per_line();
  const bench::ForkJoin fork_join = bench::fork_join_us();
  const double step_ms = 1e3 / r.steps_per_s;
  std::printf(
      "{\"bench\": \"mlp-fmnist\", \"impl\": \"nabla\", \"threads\": %d, \"steps_per_s\": %.1f, \"epoch_s\": %.3f, "
      "\"epochs\": %d, \"test_acc\": %.2f, \"final_loss\": %.4f, \"peak_rss_mib\": %.1f, \"step_mflop\": %.3f, "
      "\"gemm_gflops\": %.1f, \"gemm_gflops_784x128\": %.1f, \"floor_ms\": %.4f, \"step_ms\": %.4f, "
      "\"floor_fraction\": %.3f, \"update_ms\": %.4f, \"gather_ms\": %.4f, \"floor_fraction_max\": %.3f",
      threads, r.steps_per_s, r.epoch_s, epochs, r.test_acc, r.final_loss, rss, floor.step_mflop, floor.gemm_gflops,
      floor.first_gflops, floor.floor_ms, step_ms, floor.floor_ms / step_ms, memory.update_ms, memory.gather_ms,
      fraction_max);
  if (peak_floor_ms > 0) std::printf(", \"core_peak_gflops\": %.1f, \"peak_floor_ms\": %.4f", core_peak, peak_floor_ms);
  if (blas_floor.floor_ms > 0)
    std::printf(
        ", \"blas_gemm_gflops\": %.1f, \"blas_gemm_gflops_784x128\": %.1f, \"blas_floor_ms\": %.4f, "
        "\"blas_floor_fraction\": %.3f",
        blas_floor.gemm_gflops, blas_floor.first_gflops, blas_floor.floor_ms, blas_floor.floor_ms / step_ms);
  std::printf("}\n");
  std::fflush(stdout);

  std::vector<bench::PeerResult> peer_results;
  if (peers) {
    const std::string args =
        " --epochs " + std::to_string(epochs) + " --seed " + std::to_string(seed) + " --data '" + dir + "'";
    std::vector<std::string> commands;
#ifdef NABLA_LIBTORCH_MLP
    commands.push_back(std::string(NABLA_LIBTORCH_MLP) + args);
#endif
#ifdef NABLA_PYTORCH_MLP
    commands.push_back("/usr/bin/python3 " + std::string(NABLA_PYTORCH_MLP) + args);
#endif
    peer_results = bench::run_training_peers(commands, "mlp-fmnist");
  }
  bench::print_vs_lines("mlp-fmnist", threads, r.steps_per_s, r.test_acc, peer_results);
  // The other loops must end with nabla's loop's weights, bit for bit.
  auto print_loop = [&](const char* impl, const Result& o) {
    double diff = 0;
    for (size_t i = 0; i < r.params.size(); ++i) diff = std::max(diff, max(abs(r.params[i] - o.params[i])).item());
    std::printf(
        "{\"bench\": \"mlp-fmnist\", \"impl\": \"%s\", \"threads\": %d, \"steps_per_s\": %.1f, "
        "\"epoch_s\": %.3f, \"epochs\": %d, \"test_acc\": %.2f, \"final_loss\": %.4f, \"step_ms\": %.4f, "
        "\"vs_eager\": %.3f, \"max_weight_diff_vs_eager\": %g, \"tensors_per_step\": %.1f, "
        "\"new_calls_per_step\": %.1f}\n",
        impl, threads, o.steps_per_s, o.epoch_s, epochs, o.test_acc, o.final_loss, 1e3 / o.steps_per_s,
        o.steps_per_s / r.steps_per_s, diff,
        static_cast<double>(o.at_end.allocs - o.after_warm.allocs) / static_cast<double>(o.steps_after_warm),
        static_cast<double>(o.new_calls_end - o.new_calls_warm) / static_cast<double>(o.steps_after_warm));
    bench::print_vs_lines("mlp-fmnist", threads, o.steps_per_s, o.test_acc, peer_results, impl);
  };
  print_loop("nabla-standard", rs);
  if (replay) print_loop("nabla-replay", rr);

  std::printf(
      "{\"bench\": \"mlp-fmnist\", \"impl\": \"nabla-phases\", \"threads\": %d, \"steps\": %lld, "
      "\"gather_ms\": %.4f, \"forward_ms\": %.4f, \"backward_ms\": %.4f, \"update_ms\": %.4f, \"step_ms\": %.4f",
      threads, static_cast<long long>(phases.steps), phases.ms[0], phases.ms[1], phases.ms[2], phases.ms[3],
      phases.ms[0] + phases.ms[1] + phases.ms[2] + phases.ms[3]);
  if (cross_core.write_ns > 0)
    std::printf(", \"cross_core_read_ns\": %.2f, \"cross_core_write_ns\": %.2f, \"own_read_ns\": %.2f",
                cross_core.read_ns, cross_core.write_ns, cross_core.own_ns);
  if (fork_join.nabla_us > 0) std::printf(", \"fork_join_us\": %.2f", fork_join.nabla_us);
  if (fork_join.omp_us > 0) std::printf(", \"omp_fork_join_us\": %.2f", fork_join.omp_us);
  std::printf("}\n");

  // memory: one line per implementation (the peers' peak RSS is the one
  // their mlp-fmnist line reported), then nabla's RSS / each peer's RSS
  // (<= 1 is the target: nabla needs no more memory than the peer).
  auto per_step = [&](int64_t count) {
    return r.steps_after_warm > 0 ? static_cast<double>(count) / static_cast<double>(r.steps_after_warm) : 0.0;
  };
  const double steady_per_step = per_step(r.at_end.system_allocs - r.after_warm.system_allocs);
  std::printf(
      "{\"bench\": \"memory\", \"impl\": \"nabla\", \"threads\": %d, \"peak_rss_mib\": %.1f, "
      "\"system_allocs_per_step\": %.4f, \"system_allocs_total\": %lld, \"system_allocs_warm\": %lld, "
      "\"warm_steps\": %lld, \"tensor_peak_mib\": %.1f, \"tensors_per_step\": %.1f, \"new_calls_per_step\": %.1f}\n",
      threads, rss, steady_per_step, static_cast<long long>(r.at_end.system_allocs),
      static_cast<long long>(r.after_warm.system_allocs), static_cast<long long>(kWarmSteps),
      static_cast<double>(r.at_end.peak_bytes_in_use) / (1 << 20), per_step(r.at_end.allocs - r.after_warm.allocs),
      per_step(r.new_calls_end - r.new_calls_warm));
  for (const bench::PeerResult& p : peer_results)
    std::printf("{\"bench\": \"memory\", \"impl\": \"%s\", \"threads\": %d, \"peak_rss_mib\": %.1f}\n", p.impl.c_str(),
                threads, p.rss);
  for (const bench::PeerResult& p : peer_results)
    std::printf("{\"bench\": \"memory\", \"impl\": \"nabla\", \"vs\": \"%s\", \"threads\": %d, \"ratio\": %.2f}\n",
                p.impl.c_str(), threads, rss / p.rss);

  std::printf("\nmlp-fmnist, %d thread(s), %d epoch(s)\n%-10s %12s %10s %10s %14s\n", threads, epochs, "impl",
              "steps/s", "test acc", "peak MiB", "nabla speedup");
  std::printf("%-10s %12.1f %9.2f%% %10.1f %14s\n", "nabla", r.steps_per_s, r.test_acc, rss, "-");
  std::printf("%-10s %12.1f %9.2f%% %10s %13.2fx (the standard loop: zero_grad, backward, step)\n", "  standard",
              rs.steps_per_s, rs.test_acc, "", rs.steps_per_s / r.steps_per_s);
  if (replay)
    std::printf("%-10s %12.1f %9.2f%% %10s %13.2fx (the same run with the step captured, replayed)\n", "  replay",
                rr.steps_per_s, rr.test_acc, "", rr.steps_per_s / r.steps_per_s);
  for (const bench::PeerResult& p : peer_results)
    std::printf("%-10s %12.1f %9.2f%% %10.1f %13.2fx\n", p.impl.c_str(), p.steps_per_s, p.test_acc, p.rss,
                r.steps_per_s / p.steps_per_s);
  std::printf("compute floor: %.2f MFLOP per step at %.1f GFLOP/s = %.3f ms; measured %.3f ms per step (%.0f%%)\n",
              floor.step_mflop, floor.gemm_gflops, floor.floor_ms, step_ms, 100.0 * floor.floor_ms / step_ms);
  if (blas_floor.floor_ms > 0)
    std::printf("at the system BLAS's rate (%.1f GFLOP/s) the floor is %.3f ms per step: %.0f%% of it\n",
                blas_floor.gemm_gflops, blas_floor.floor_ms, 100.0 * blas_floor.floor_ms / step_ms);
  if (peak_floor_ms > 0)
    std::printf("at the core's peak FMA rate (%.1f GFLOP/s per core, measured) the GEMMs alone take %.3f ms per step\n",
                core_peak, peak_floor_ms);
  std::printf(
      "memory-bound parts, timed alone: SGD update %.3f ms + batch gather %.3f ms; so at most %.0f%% of the floor "
      "with dense GEMMs\n",
      memory.update_ms, memory.gather_ms, 100.0 * fraction_max);
  std::printf(
      "where a step of the standard loop spends its time (mean of %lld steps): gather %.3f, forward %.3f, backward "
      "%.3f, "
      "update %.3f ms\n",
      static_cast<long long>(phases.steps), phases.ms[0], phases.ms[1], phases.ms[2], phases.ms[3]);
  if (cross_core.write_ns > 0)
    std::printf(
        "a cache line between two cores: read after the other core wrote it %.1f ns, written while the other "
        "core holds it %.1f ns, read from the core's own cache %.1f ns\n",
        cross_core.read_ns, cross_core.write_ns, cross_core.own_ns);
  if (fork_join.nabla_us > 0)
    std::printf("a fork/join of two threads: %.2f µs in nabla's parallel_for; %.2f µs in libgomp's parallel region\n",
                fork_join.nabla_us, fork_join.omp_us);
  std::printf("allocator: %.4f system allocations per step after step %lld (%lld in all)\n", steady_per_step,
              static_cast<long long>(kWarmSteps), static_cast<long long>(r.at_end.system_allocs));
  return 0;
}
