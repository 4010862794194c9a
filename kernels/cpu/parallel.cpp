#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "../../tensor/error.h"
#include "../../tensor/threads.h"

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <pthread.h>
#include <sched.h>

namespace nabla::kernels::cpu {

int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

namespace {
// True on a thread while it runs a chunk of a parallel_for: a parallel_for
// inside it runs serially.
thread_local bool t_in_chunk = false;
}  // namespace

bool in_parallel_region() {
#ifdef _OPENMP
  if (omp_in_parallel()) return true;  // inside the caller's own OpenMP region
#endif
  return t_in_chunk;
}

#ifdef _OPENMP
namespace {

// The CPUs this process may run on (its affinity mask), at least 1.
int usable_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

// The threads parallel_for hands its chunks to.
//
// OpenMP's fork/join (libgomp's `#pragma omp parallel`) costs ~3 µs for two
// threads on the 2-vCPU virtual machines these benchmarks run on, where a
// cache line takes ~0.23 µs to go from one vCPU to the other: it moves
// several lines through its team and barrier structures, each way. A
// 2-thread training step of the benchmark MLP forks 4 times (the batch
// gather, two GEMMs, the weight update), and those ~12 µs ate most of what
// the second core saved. This pool forks by writing one counter that the
// waiting workers watch, and joins by their counting down another: ~0.6 µs.
//
// Workers spin for a while after each task, as libgomp's do, so the next
// fork finds them awake; after kSpinBeforeSleep without work they sleep on
// a condition variable until the next fork wakes them. With more threads
// than the process has CPUs, a spinning thread would hold a CPU that a
// thread with work needs: then workers sleep at once and waiting threads
// yield. The thread count is still OpenMP's (OMP_NUM_THREADS,
// set_num_threads).
class Pool {
 public:
  // Runs fn(ctx, begin, end) on `threads` contiguous chunks of [0, n), the
  // first on the calling thread, and returns once all are done; an exception
  // from any chunk is rethrown here. False (nothing run) when another thread
  // is using the pool: the caller then runs the loop itself.
  bool try_run(int threads, int64_t n, void (*fn)(void*, int64_t, int64_t), void* ctx) {
    std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    threads = std::min(threads, kMaxThreads);
    add_workers(threads - 1);
    oversubscribed_.store(static_cast<int>(workers_) + 1 > cpus_, std::memory_order_relaxed);
    fn_ = fn;
    ctx_ = ctx;
    n_ = n;
    error_ = nullptr;
    remaining_.store(threads - 1, std::memory_order_relaxed);
    // The fork: the task above becomes visible with the new generation,
    // which also says how many threads take part. Workers beyond that count
    // read nothing else, so the next task may rewrite the fields above as
    // soon as the ones taking part are done.
    const uint64_t next = ((generation_.load(std::memory_order_relaxed) >> kCountBits) + 1) << kCountBits;
    generation_.store(next | static_cast<uint64_t>(threads), std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      wake_.notify_all();
    }
    std::exception_ptr mine;
    try {
      run_chunk(0, threads);
    } catch (...) {
      mine = std::current_exception();
    }
    // The join: chunks are the same size, so the others end about now.
    while (remaining_.load(std::memory_order_acquire) > 0) wait_a_little();
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  // How long an idle worker keeps watching for the next fork before it
  // sleeps: longer than the gaps between a training step's forks (tens of
  // µs), short enough that an idle program stops using the core at once.
  static constexpr std::chrono::microseconds kSpinBeforeSleep{500};
  // generation_ = (task number << kCountBits) | threads taking part.
  static constexpr int kCountBits = 8;
  static constexpr uint64_t kCountMask = (uint64_t(1) << kCountBits) - 1;
  static constexpr int kMaxThreads = static_cast<int>(kCountMask);

  static void relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
  }

  void wait_a_little() {
    if (oversubscribed_.load(std::memory_order_relaxed))
      std::this_thread::yield();
    else
      relax();
  }

  void run_chunk(int t, int threads) {
    const int64_t chunk = (n_ + threads - 1) / threads;
    const int64_t b = t * chunk, e = std::min(n_, b + chunk);
    t_in_chunk = true;
    struct Leave {
      ~Leave() { t_in_chunk = false; }
    } leave;
    if (b < e) fn_(ctx_, b, e);
  }

  // Starts workers until there are `count` (under run_mutex_).
  void add_workers(int count) {
    while (static_cast<int>(workers_) < count) {
      const int index = static_cast<int>(++workers_);  // chunk `index` of each task is this worker's
      const uint64_t start = generation_.load(std::memory_order_acquire);
      std::thread([this, index, start] { work(index, start); }).detach();
    }
  }

  // A worker's life: wait for a new generation, run its chunk if the task
  // has one for it, count down, wait again.
  void work(int index, uint64_t seen) {
    for (;;) {
      seen = wait_for_fork(seen);
      const int threads = static_cast<int>(seen & kCountMask);
      if (index >= threads) continue;  // a task for fewer threads
      try {
        run_chunk(index, threads);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
      remaining_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  uint64_t wait_for_fork(uint64_t seen) {
    auto spin_start = std::chrono::steady_clock::now();
    for (int i = 1; !oversubscribed_.load(std::memory_order_relaxed); ++i) {
      const uint64_t g = generation_.load(std::memory_order_acquire);
      if (g != seen) return g;
      relax();
      if (i % 256 == 0 && std::chrono::steady_clock::now() - spin_start > kSpinBeforeSleep) break;
    }
    // Sleep. sleepers_ goes up before generation_ is read again, and the
    // fork bumps generation_ before it reads sleepers_ (both sequentially
    // consistent): either this thread sees the new generation, or the fork
    // sees a sleeper and notifies under sleep_mutex_.
    std::unique_lock<std::mutex> lock(sleep_mutex_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    while (generation_.load(std::memory_order_seq_cst) == seen) wake_.wait(lock);
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return generation_.load(std::memory_order_acquire);
  }

  std::mutex run_mutex_;  // one fork at a time
  std::mutex sleep_mutex_, error_mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned> workers_{0};
  const int cpus_ = usable_cpus();
  std::atomic<bool> oversubscribed_{false};
  // On lines of their own: the workers spin on generation_ while the caller
  // counts remaining_ down to 0.
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<int> remaining_{0};
  alignas(64) std::atomic<int> sleepers_{0};
  // The task, written before the generation is bumped.
  void (*fn_)(void*, int64_t, int64_t) = nullptr;
  void* ctx_ = nullptr;
  int64_t n_ = 0;
  std::exception_ptr error_;
};

// Never destroyed: its detached workers may still be watching it while the
// program exits. A child process (fork()) has none of the parent's workers,
// so it starts a pool of its own.
Pool* g_pool = nullptr;
std::once_flag g_pool_once;

Pool& pool() {
  std::call_once(g_pool_once, [] {
    g_pool = new Pool();
    pthread_atfork(nullptr, nullptr, [] { g_pool = new Pool(); });
  });
  return *g_pool;
}

}  // namespace
#endif

void parallel_for_impl(int64_t n, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx) {
#ifdef _OPENMP
  // No more threads than chunks of `grain` elements.
  int64_t max_chunks = (n + grain - 1) / grain;
  int threads = static_cast<int>(std::min<int64_t>(num_threads(), max_chunks));
  if (threads > 1 && pool().try_run(threads, n, fn, ctx)) return;
#else
  (void)grain;
#endif
  fn(ctx, 0, n);
}

}  // namespace nabla::kernels::cpu

namespace nabla {

int get_num_threads() { return kernels::cpu::num_threads(); }

void set_num_threads(int n) {
  NABLA_CHECK(n >= 1, "set_num_threads", "needs at least 1 thread, got ", n);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

}  // namespace nabla
