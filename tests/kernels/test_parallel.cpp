// parallel_for (kernels/cpu/parallel.h) and the pool of threads behind it
// (parallel.cpp): every index exactly once, for any thread count (more
// threads than CPUs included); exceptions reach the caller; nested and
// concurrent calls; workers that went to sleep wake up; a forked child
// process gets a pool of its own.
#include <nabla/kernels/cpu/parallel.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "helpers.h"

using nabla::kernels::cpu::in_parallel_region;
using nabla::kernels::cpu::parallel_for;

namespace {

// Restores the thread count a test changes.
struct ThreadCount {
  int saved = nabla::get_num_threads();
  explicit ThreadCount(int n) { nabla::set_num_threads(n); }
  ~ThreadCount() { nabla::set_num_threads(saved); }
};

// Runs parallel_for over [0, n) in chunks of at least `grain` and returns how
// often each index was visited.
std::vector<int> visits(int64_t n, int64_t grain) {
  std::vector<std::atomic<int>> count(static_cast<size_t>(n));
  parallel_for(
      n,
      [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) count[static_cast<size_t>(i)].fetch_add(1);
      },
      grain);
  std::vector<int> out;
  for (auto& c : count) out.push_back(c.load());
  return out;
}

}  // namespace

TEST_CASE("parallel_for: every index once, for any thread count and size", "[kernels][parallel]") {
  for (int threads : {1, 2, 3, 5}) {  // 5: more threads than a 2-CPU machine has
    ThreadCount tc(threads);
    for (int64_t n : {int64_t(1), int64_t(7), int64_t(1000), int64_t(100003)}) {
      for (int64_t grain : {int64_t(1), int64_t(64), int64_t(1) << 15}) {
        INFO(threads << " threads, n " << n << ", grain " << grain);
        REQUIRE(visits(n, grain) == std::vector<int>(static_cast<size_t>(n), 1));
      }
    }
  }
}

TEST_CASE("parallel_for: an exception in any chunk reaches the caller", "[kernels][parallel]") {
  ThreadCount tc(2);
  for (int64_t bad : {int64_t(0), int64_t(99)}) {  // the caller's chunk, then the worker's
    auto run = [&] {
      parallel_for(
          100,
          [&](int64_t b, int64_t e) {
            if (bad >= b && bad < e) throw std::runtime_error("chunk with " + std::to_string(bad));
          },
          1);
    };
    REQUIRE_THROWS_WITH(run(), "chunk with " + std::to_string(bad));
  }
  REQUIRE(visits(100, 1) == std::vector<int>(100, 1));  // and the pool still works
}

TEST_CASE("parallel_for: nested calls run serially inside a chunk", "[kernels][parallel]") {
  ThreadCount tc(2);
  REQUIRE_FALSE(in_parallel_region());
  std::atomic<int> inner_serial{0}, inner_total{0};
  parallel_for(
      2,
      [&](int64_t, int64_t) {
        REQUIRE(in_parallel_region());
        const auto me = std::this_thread::get_id();
        parallel_for(
            64,
            [&](int64_t b, int64_t e) {
              if (std::this_thread::get_id() == me) inner_serial.fetch_add(1);
              inner_total.fetch_add(static_cast<int>(e - b));
            },
            1);
      },
      1);
  REQUIRE(inner_total.load() == 2 * 64);
  REQUIRE(inner_serial.load() == 2);  // one call each, on the chunk's own thread
  REQUIRE_FALSE(in_parallel_region());
}

TEST_CASE("parallel_for: several threads may call it at once", "[kernels][parallel]") {
  ThreadCount tc(2);
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&] {
      nabla::set_num_threads(2);  // the count is per calling thread, as OpenMP's
      for (int rep = 0; rep < 200; ++rep)
        if (visits(999, 1) != std::vector<int>(999, 1)) wrong.fetch_add(1);
    });
  for (auto& t : callers) t.join();
  REQUIRE(wrong.load() == 0);
}

TEST_CASE("parallel_for: workers asleep after a pause wake for the next call", "[kernels][parallel]") {
  ThreadCount tc(2);
  REQUIRE(visits(1000, 1) == std::vector<int>(1000, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the workers' spinning
  REQUIRE(visits(1000, 1) == std::vector<int>(1000, 1));
}

TEST_CASE("parallel_for: a forked child process runs its own pool", "[kernels][parallel]") {
  ThreadCount tc(2);
  REQUIRE(visits(1000, 1) == std::vector<int>(1000, 1));  // the parent's workers exist
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(visits(1000, 1) == std::vector<int>(1000, 1) ? 0 : 1);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}
