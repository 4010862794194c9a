// parallel_for: the one place CPU kernels decide whether to use threads.
// Below kGrainSize elements everything runs on the calling thread: a
// fork/join costs microseconds, more than a small op's whole work. Above it,
// the chunks go to a pool of waiting threads (parallel.cpp says why not
// OpenMP's own fork/join); how many threads is OpenMP's setting
// (OMP_NUM_THREADS, set_num_threads).
#pragma once
#include <cstdint>
#include <type_traits>

namespace nabla::kernels::cpu {

constexpr int64_t kGrainSize = 32768;

int num_threads();          // OpenMP's max threads (1 without OpenMP)
bool in_parallel_region();  // nested calls run serially

// Calls f(begin, end) on disjoint chunks covering [0, n).
template <class F>
void parallel_for(int64_t n, F&& f, int64_t grain = kGrainSize);

void parallel_for_impl(int64_t n, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx);

template <class F>
void parallel_for(int64_t n, F&& f, int64_t grain) {
  if (n < grain || num_threads() == 1 || in_parallel_region()) {
    if (n > 0) f(int64_t(0), n);
    return;
  }
  parallel_for_impl(
      n, grain, [](void* ctx, int64_t b, int64_t e) { (*static_cast<std::remove_reference_t<F>*>(ctx))(b, e); }, &f);
}

}  // namespace nabla::kernels::cpu
