// GFLOP/s of nabla's gemm() (kernels/cpu/gemm.h) at the shapes of the MLP
// benchmarks: the forward (X·Wᵀ), input-gradient (dY·W) and weight-gradient
// (dYᵀ·X) products of batch 32 and 64 layers. Used to place the thresholds in
// gemm.cpp: run it with NABLA_GEMM=eigen (Eigen only) and without (OpenBLAS
// for large products when nabla found it), at 1 and 2 threads.
//
// Usage: OMP_NUM_THREADS=1 [NABLA_GEMM=eigen] bench_gemm
// Prints one JSON line per shape: {"bench": "gemm", "impl": "...", "m": ..., "gflop_per_s": ...}.
#include <nabla/kernels/cpu/gemm.h>
#include <nabla/nabla.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "bench_common.h"

namespace {

struct Shape {
  int64_t m, n, k;
  bool a_col, b_col;
  const char* what;
};

// Best of 7 reps of >= 30 ms each: on a shared machine the fastest rep is
// the one least disturbed.
double gflop_per_s(const Shape& s) {
  std::vector<float> a(s.m * s.k, 0.5f), b(s.k * s.n, 0.25f), c(s.m * s.n);
  nabla::kernels::cpu::GemmArgs<float> g{
      s.m,     s.n,      s.k, a.data(), s.a_col ? s.m : s.k, s.a_col, b.data(), s.b_col ? s.k : s.n,
      s.b_col, c.data(), s.n, false};
  auto run = [&](int reps) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) nabla::kernels::cpu::gemm(g);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int reps = 1;
  while (run(reps) < 0.03) reps *= 2;
  double best = 1e30;
  for (int r = 0; r < 7; ++r) best = std::min(best, run(reps));
  return 2.0 * static_cast<double>(s.m * s.n * s.k) * reps / best / 1e9;
}

}  // namespace

int main() {
  const int threads = bench::threads_from_env();
  nabla::set_num_threads(threads);
  std::vector<Shape> shapes;
  for (int64_t batch : {32, 64})
    for (auto [in, out] : std::vector<std::pair<int64_t, int64_t>>{
             {784, 128}, {128, 64}, {784, 512}, {512, 512}, {1024, 1024}, {2048, 2048}, {4096, 4096}}) {
      if (batch == 32 && out > 128) continue;  // batch 32 is the small MLP only
      shapes.push_back({batch, out, in, false, true, "forward X·Wᵀ"});
      shapes.push_back({batch, in, out, false, false, "input grad dY·W"});
      shapes.push_back({out, in, batch, true, false, "weight grad dYᵀ·X"});
    }
  const char* env = std::getenv("NABLA_GEMM");
  for (const Shape& s : shapes)
    std::printf(
        "{\"bench\": \"gemm\", \"impl\": \"%s\", \"large\": \"%s\", \"threads\": %d, \"m\": %lld, \"n\": %lld, "
        "\"k\": %lld, \"what\": \"%s\", \"gflop_per_s\": %.1f}\n",
        env ? env : "default", nabla::kernels::cpu::gemm_large(), threads, static_cast<long long>(s.m),
        static_cast<long long>(s.n), static_cast<long long>(s.k), s.what, gflop_per_s(s));
  return 0;
}
