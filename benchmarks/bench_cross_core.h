// What moving cache lines between two cores costs on this machine.
//
// A 2-thread training step splits each big product and update between the
// cores, but some tensors are touched by both: both cores read the whole
// batch (each multiplies it by its half of the weight), and the next step's
// gather then writes over lines the other core still holds. How much that
// costs decides whether a second core pays on a small model, and it is a
// property of the machine (same die or not, virtualised or not), so the
// benchmark measures it rather than assuming it.
//
// Two threads, pinned to CPUs 0 and 1, take turns on one buffer the size of
// mlp-fmnist's batch (100 KB):
//   read_ns:  B reads every line A has just written (the lines come from
//             A's cache);
//   write_ns: A writes every line B has just read (each store must first
//             take the line away from B's cache);
//   own_ns:   B reads the lines again (its own cache), for scale.
// Nanoseconds per 64-byte line, the median over the rounds. On the Zen 5
// EPYC VM of 2026-12-07: read ~2, write 8-11 (2-3 in some processes: the
// hypervisor places the two vCPUs, and the cost moves with it), own 0.3-0.8.
// The stores seem to wait for the lines largely one by one, while the loads
// of the other core's lines overlap (and the prefetcher helps them).
#pragma once
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include <nabla/kernels/cpu/parallel.h>
#include <nabla/tensor/threads.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench_common.h"

namespace bench {

struct CrossCore {
  double read_ns = -1, write_ns = -1, own_ns = -1;  // -1: not measured (one CPU, or no pinning)
};

namespace cross_core_detail {

constexpr size_t kBytes = 100 * 1024;  // one mlp-fmnist batch: 32 rows of 784 floats
constexpr size_t kLine = 64;
constexpr int kRounds = 400;

inline bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

}  // namespace cross_core_detail

inline CrossCore cross_core_ns_per_line() {
  using namespace cross_core_detail;
  using clock = std::chrono::steady_clock;
  if (std::thread::hardware_concurrency() < 2) return {};
  std::vector<char> buffer(kBytes + kLine);
  // One volatile byte per line, line-aligned: the loops touch each line once.
  volatile char* lines =
      reinterpret_cast<volatile char*>((reinterpret_cast<uintptr_t>(buffer.data()) + kLine - 1) / kLine * kLine);
  constexpr size_t n = kBytes / kLine;
  std::atomic<int> turn{0};         // 0: A writes, 1: B reads
  std::atomic<bool> failed{false};  // a thread could not be pinned: both stop
  std::vector<double> write_ns, read_ns, own_ns;
  volatile unsigned sink = 0;  // keeps B's reads
  std::thread a([&] {
    if (!pin_to(0)) return failed.store(true);
    for (int r = 0; r < kRounds; ++r) {
      while (turn.load() != 0 && !failed.load()) {
      }
      if (failed.load()) return;
      const auto start = clock::now();
      for (size_t i = 0; i < n; ++i) lines[i * kLine] = static_cast<char>(r);
      write_ns.push_back(std::chrono::duration<double, std::nano>(clock::now() - start).count() / n);
      turn.store(1);
    }
  });
  std::thread b([&] {
    if (!pin_to(1)) return failed.store(true);
    for (int r = 0; r < kRounds; ++r) {
      while (turn.load() != 1 && !failed.load()) {
      }
      if (failed.load()) return;
      unsigned sum = 0;
      const auto start = clock::now();
      for (size_t i = 0; i < n; ++i) sum += static_cast<unsigned char>(lines[i * kLine]);
      const auto mid = clock::now();
      for (size_t i = 0; i < n; ++i) sum += static_cast<unsigned char>(lines[i * kLine]);
      const auto stop = clock::now();
      read_ns.push_back(std::chrono::duration<double, std::nano>(mid - start).count() / n);
      own_ns.push_back(std::chrono::duration<double, std::nano>(stop - mid).count() / n);
      sink = sum;
      turn.store(0);
    }
  });
  a.join();
  b.join();
  if (failed.load() || write_ns.size() < 2 || read_ns.empty()) return {};
  // A's first round wrote lines nobody had read yet: leave it out.
  write_ns.erase(write_ns.begin());
  return {median(read_ns), median(write_ns), median(own_ns)};
}

// What a fork/join of two threads costs: the start and end of every split
// kernel of a 2-thread step (the benchmark MLP's has four: the batch gather,
// two GEMMs and the weight update). Microseconds per empty fork/join, the
// median of 25 batches of 200:
//   nabla_us: parallel_for over two chunks (kernels/cpu/parallel.h: a pool
//             of waiting threads; ~0.6 on the Zen 5 VM);
//   omp_us:   an empty `#pragma omp parallel` of two threads, what
//             parallel_for ran on before (libgomp: ~3.0 there, while one
//             line takes ~0.23 µs from one vCPU to the other). -1 when the
//             benchmark is built without OpenMP.
struct ForkJoin {
  double nabla_us = -1, omp_us = -1;
};

inline ForkJoin fork_join_us() {
  using clock = std::chrono::steady_clock;
  if (std::thread::hardware_concurrency() < 2) return {};
  constexpr int kBatches = 25, kForks = 200;
  auto time = [&](auto fork) {
    std::vector<double> us;
    for (int b = 0; b < kBatches; ++b) {
      const auto start = clock::now();
      for (int i = 0; i < kForks; ++i) fork();
      us.push_back(std::chrono::duration<double, std::micro>(clock::now() - start).count() / kForks);
    }
    return median(us);
  };
  const int saved = nabla::get_num_threads();
  nabla::set_num_threads(2);
  std::atomic<int> sink{0};
  ForkJoin out;
  out.nabla_us = time([&] {
    nabla::kernels::cpu::parallel_for(
        2, [&](int64_t b, int64_t) { sink.fetch_add(static_cast<int>(b), std::memory_order_relaxed); }, 1);
  });
  nabla::set_num_threads(saved);
#ifdef _OPENMP
  out.omp_us = time([&] {
#pragma omp parallel num_threads(2)
    sink.fetch_add(omp_get_thread_num(), std::memory_order_relaxed);
  });
#endif
  return out;
}

}  // namespace bench
