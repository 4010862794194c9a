// The arithmetic ceiling of one core: its peak FP32 multiply-add rate,
// measured (not taken from a datasheet, which knows neither the clock this
// machine runs at nor how many FMA units its core has).
//
// Twelve independent chains of vector FMAs: more than the FMA latency (4-5
// cycles) times the FMA units (up to 2) on the x86 cores we run on, so the
// units never wait. Both widths are tried where the CPU has AVX-512 (some
// cores run a 512-bit FMA as two 256-bit halves, some have one 512-bit unit
// and two 256-bit ones) and the faster counts. The best of several short
// runs is kept: noise only ever slows a run down.
//
// A step that does F FLOPs of GEMM cannot take less than F / peak seconds
// on one core: a ratio target that would need a shorter step is out of
// reach on that machine.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <chrono>

namespace bench {

namespace peak_detail {

constexpr long kIterations = 20'000'000;  // ~0.1 s per run at ~100 GFLOP/s
constexpr int kRuns = 5;

inline double gflops(double seconds, int lanes) {
  return static_cast<double>(kIterations) * 12 * lanes * 2 / seconds * 1e-9;  // 12 FMAs of 2 FLOPs per lane
}

// The chains, for one vector type and its FMA. A macro, not a template: each
// copy must be compiled inside a function that enables its instruction set.
#define NABLA_BENCH_FMA_CHAINS(Vec, set1, fma, first, lanes)                                                \
  /* twelve different starts: equal chains would be computed once */                                        \
  Vec a0 = set1(1.0f), a1 = set1(1.01f), a2 = set1(1.02f), a3 = set1(1.03f), a4 = set1(1.04f);              \
  Vec a5 = set1(1.05f), a6 = set1(1.06f), a7 = set1(1.07f), a8 = set1(1.08f), a9 = set1(1.09f);             \
  Vec a10 = set1(1.10f), a11 = set1(1.11f);                                                                 \
  const Vec mul = set1(0.9999999f), add = set1(1e-7f);                                                      \
  const auto start = std::chrono::steady_clock::now();                                                      \
  for (long i = 0; i < kIterations; ++i) {                                                                  \
    a0 = fma(a0, mul, add), a1 = fma(a1, mul, add), a2 = fma(a2, mul, add), a3 = fma(a3, mul, add);         \
    a4 = fma(a4, mul, add), a5 = fma(a5, mul, add), a6 = fma(a6, mul, add), a7 = fma(a7, mul, add);         \
    a8 = fma(a8, mul, add), a9 = fma(a9, mul, add), a10 = fma(a10, mul, add), a11 = fma(a11, mul, add);     \
  }                                                                                                         \
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();         \
  /* the chains' results are used, so they cannot be optimized away */                                      \
  volatile float sink = first(a0) + first(a1) + first(a2) + first(a3) + first(a4) + first(a5) + first(a6) + \
                        first(a7) + first(a8) + first(a9) + first(a10) + first(a11);                        \
  (void)sink;                                                                                               \
  return gflops(s, lanes)

__attribute__((target("avx2,fma"))) inline double avx2_once() {
  NABLA_BENCH_FMA_CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_cvtss_f32, 8);
}
__attribute__((target("avx512f"))) inline double avx512_once() {
  NABLA_BENCH_FMA_CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_cvtss_f32, 16);
}
#undef NABLA_BENCH_FMA_CHAINS

}  // namespace peak_detail

// GFLOP/s of one core at its peak FP32 FMA rate; 0 when the CPU has no
// AVX2+FMA (the figure is then not reported).
inline double peak_fma_gflops() {
  double best = 0;
  for (int r = 0; r < peak_detail::kRuns; ++r) {
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      best = std::max(best, peak_detail::avx2_once());
    if (__builtin_cpu_supports("avx512f")) best = std::max(best, peak_detail::avx512_once());
  }
  return best;
}

}  // namespace bench
