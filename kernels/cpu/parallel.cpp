#include "parallel.h"

#include <algorithm>
#include "../../tensor/error.h"
#include "../../tensor/threads.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace nabla::kernels::cpu {

int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel();
#else
  return false;
#endif
}

void parallel_for_impl(int64_t n, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx) {
#ifdef _OPENMP
  // No more threads than chunks of `grain` elements.
  int64_t max_chunks = (n + grain - 1) / grain;
  int threads = static_cast<int>(std::min<int64_t>(num_threads(), max_chunks));
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t chunk = (n + nt - 1) / nt;
    int64_t b = t * chunk, e = std::min(n, b + chunk);
    if (b < e) fn(ctx, b, e);
  }
#else
  (void)grain;
  fn(ctx, 0, n);
#endif
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
