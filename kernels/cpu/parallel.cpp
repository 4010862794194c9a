#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

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
// waiting workers watch, and joins by counting finished chunks: ~0.6 µs.
//
// Chunk t is worker t's (the caller's is 0), so in a training step the same
// thread takes the same half of a weight every time and finds it in its own
// cache (gemm.cpp, optim.cpp). But a chunk is taken by claiming it, and a
// thread that is done with its own claims any chunk nobody has started: if
// a worker is late (asleep, or its CPU busy with another program), the
// caller runs that chunk itself instead of waiting for the worker to be
// scheduled, which on a loaded machine can take milliseconds.
//
// Workers spin for a while after each task, as libgomp's do, so the next
// fork finds them awake; after kSpinBeforeSleep without work they sleep on
// a condition variable until the next fork wakes them. A worker the last
// task did not use, or a task for more threads than the process has CPUs
// (where a spinning thread would hold a CPU that a thread with work needs),
// sends its workers to sleep at once. The thread count is still OpenMP's
// (OMP_NUM_THREADS, set_num_threads).
class Pool {
 public:
  // Runs fn(ctx, begin, end) on `threads` contiguous chunks of [0, n) and
  // returns once all are done; an exception from any chunk is rethrown
  // here. False (nothing run) when another thread is using the pool: the
  // caller then runs the loop itself.
  bool try_run(int threads, int64_t n, void (*fn)(void*, int64_t, int64_t), void* ctx) {
    std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    threads = std::min(threads, kMaxThreads);
    add_workers(threads - 1);
    fn_ = fn;
    ctx_ = ctx;
    n_ = n;
    error_ = nullptr;
    done_.store(0, std::memory_order_relaxed);
    // The fork: the task above becomes visible with the new task word.
    const uint64_t task =
        (((task_.load(std::memory_order_relaxed) >> kCountBits) + 1) << kCountBits) | static_cast<uint64_t>(threads);
    task_.store(task, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      wake_.notify_all();
    }
    for (int c = 0; c < threads; ++c)  // its own chunk 0 first, then any a worker has not taken
      if (claim(task, c)) run_chunk(c, threads);
    // The join: only chunks another thread has started remain. Should that
    // thread have lost its CPU, yield this one rather than spin on it.
    for (int i = 0; done_.load(std::memory_order_acquire) < threads; ++i)
      if (i < 4096)
        relax();
      else
        std::this_thread::yield();
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  // How long an idle worker keeps watching for the next fork before it
  // sleeps: longer than the gaps between a training step's forks (tens of
  // µs), short enough that an idle program stops using the core at once.
  static constexpr std::chrono::microseconds kSpinBeforeSleep{500};
  // A task word: (task number << kCountBits) | how many chunks (threads).
  // Numbers only grow, and so do the words.
  static constexpr int kCountBits = 8;
  static constexpr int kMaxThreads = (1 << kCountBits) - 1;

  static void relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
  }

  // Chunk c (< the task's count) of task `task` for the calling thread, if
  // nobody took it yet. claimed_[c] holds the last task whose chunk c was
  // taken: a worker still holding an older task word (it saw the fork late,
  // after that task ended, when every chunk had been taken) can take
  // nothing. A chunk taken is a chunk the caller still waits for, so the
  // task's fields stay as they are while it runs.
  bool claim(uint64_t task, int c) {
    std::atomic<uint64_t>& slot = claimed_[c].task;
    uint64_t last = slot.load(std::memory_order_relaxed);
    return last < task && slot.compare_exchange_strong(last, task, std::memory_order_acq_rel);
  }

  void run_chunk(int c, int threads) {
    const int64_t chunk = (n_ + threads - 1) / threads;
    const int64_t b = c * chunk, e = std::min(n_, b + chunk);
    t_in_chunk = true;
    try {
      if (b < e) fn_(ctx_, b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
    t_in_chunk = false;
    done_.fetch_add(1, std::memory_order_acq_rel);
  }

  // Starts workers until there are `count` (under run_mutex_).
  void add_workers(int count) {
    while (static_cast<int>(workers_) < count) {
      const int index = static_cast<int>(++workers_);  // chunk `index` of each task is this worker's
      const uint64_t seen = task_.load(std::memory_order_acquire);
      std::thread([this, index, seen] { work(index, seen); }).detach();
    }
  }

  // A worker's life: wait for a new task, take its own chunk and then any
  // free one, wait again. A task for fewer threads has no chunk `index`.
  void work(int index, uint64_t seen) {
    bool spin = true;  // a new worker's first task is about to come
    for (;;) {
      seen = wait_for_fork(seen, spin);
      const int threads = static_cast<int>(seen & kMaxThreads);
      if (index < threads && claim(seen, index)) run_chunk(index, threads);
      for (int c = 1; c < threads; ++c)
        if (c != index && claim(seen, c)) run_chunk(c, threads);
      spin = index < threads && threads <= cpus_;
    }
  }

  uint64_t wait_for_fork(uint64_t seen, bool spin) {
    auto spin_start = std::chrono::steady_clock::now();
    for (int i = 1; spin; ++i) {
      const uint64_t t = task_.load(std::memory_order_acquire);
      if (t != seen) return t;
      relax();
      if (i % 256 == 0 && std::chrono::steady_clock::now() - spin_start > kSpinBeforeSleep) break;
    }
    // Sleep. sleepers_ goes up before task_ is read again, and the fork
    // bumps task_ before it reads sleepers_ (both sequentially consistent):
    // either this thread sees the new task, or the fork sees a sleeper and
    // notifies under sleep_mutex_.
    std::unique_lock<std::mutex> lock(sleep_mutex_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    while (task_.load(std::memory_order_seq_cst) == seen) wake_.wait(lock);
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return task_.load(std::memory_order_acquire);
  }

  std::mutex run_mutex_;  // one fork at a time
  std::mutex sleep_mutex_, error_mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned> workers_{0};
  const int cpus_ = usable_cpus();
  // On lines of their own: the workers spin on task_ while the caller
  // waits for done_ to reach the number of chunks.
  alignas(64) std::atomic<uint64_t> task_{0};
  alignas(64) std::atomic<int> done_{0};
  alignas(64) std::atomic<int> sleepers_{0};
  struct alignas(64) Claim {  // a line each: workers claim theirs at the same time
    std::atomic<uint64_t> task{0};
  };
  Claim claimed_[kMaxThreads];
  // The task, written before task_ is bumped.
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
