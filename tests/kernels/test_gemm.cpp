// gemm() (kernels/cpu/gemm.h) against a plain double-precision loop, in
// every storage order, with and without accumulate: on products large
// enough to be split across threads and - where nabla found OpenBLAS with
// fast kernels - to go to OpenBLAS, and on small products of odd sizes, which
// on AVX-512 CPUs go to the packing-free kernels of gemm_small.h (every tile
// remainder and masked tail: m not a multiple of 3 or 6, n of 8 or 16, k of 16).
#include <nabla/kernels/cpu/gemm.h>

#include <random>
#include <vector>

#include "helpers.h"

using nabla::kernels::cpu::GemmArgs;

namespace {

template <class T>
void check_gemm(int64_t m, int64_t n, int64_t k, double tol) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  // Operands with padded leading dimensions, so that ld != width is tested.
  const int64_t pad = 3;
  std::vector<T> a((m + pad) * (k + pad)), b((k + pad) * (n + pad));
  for (T& v : a) v = static_cast<T>(normal(rng));
  for (T& v : b) v = static_cast<T>(normal(rng));
  for (bool a_col : {false, true})
    for (bool b_col : {false, true}) {
      const int64_t lda = (a_col ? m : k) + pad, ldb = (b_col ? k : n) + pad, ldc = n + pad;
      auto at = [&](int64_t i, int64_t p) { return double(a_col ? a[i + p * lda] : a[i * lda + p]); };
      auto bt = [&](int64_t p, int64_t j) { return double(b_col ? b[p + j * ldb] : b[p * ldb + j]); };
      std::vector<double> ref(m * n);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p) {
          const double aip = at(i, p);
          for (int64_t j = 0; j < n; ++j) ref[i * n + j] += aip * bt(p, j);
        }
      for (int threads : {1, 2})
        for (bool accumulate : {false, true}) {
          CAPTURE(m, n, k, a_col, b_col, threads, accumulate);
          nabla::set_num_threads(threads);
          std::vector<T> c(m * ldc, T(1));  // accumulate adds to 1; otherwise 1 is overwritten
          nabla::kernels::cpu::gemm(
              GemmArgs<T>{m, n, k, a.data(), lda, a_col, b.data(), ldb, b_col, c.data(), ldc, accumulate});
          double worst = 0;
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j)
              worst = std::max(worst, std::abs(double(c[i * ldc + j]) - (ref[i * n + j] + (accumulate ? 1 : 0))));
          REQUIRE(worst < tol);
          REQUIRE(c[n] == T(1));  // the padding column is left alone
        }
    }
  nabla::set_num_threads(1);
}

}  // namespace

TEST_CASE("gemm: large products split across threads (and OpenBLAS when found) match a plain loop", "[gemm]") {
  INFO("large products use " << nabla::kernels::cpu::gemm_large());
  // Split so each thread gets a contiguous block of the largest operand
  // (gemm.cpp): B the largest, by column panels; A the largest, by row
  // panels; C the largest, by row panels though C is wider than tall. All
  // above the thread and OpenBLAS thresholds.
  check_gemm<float>(67, 1031, 515, 2e-3);
  check_gemm<float>(1031, 67, 515, 2e-3);
  check_gemm<float>(515, 1031, 67, 2e-3);
  check_gemm<double>(67, 1031, 515, 1e-9);
}

TEST_CASE("gemm: a product whose packed blocks are too large to keep between calls matches a plain loop", "[gemm]") {
  // Eigen packs 64 x 4096 x 1024 int64 blocks into ~16.5 MiB, over the
  // 16 MiB a thread keeps (kernels/cpu/gemm_eigen.h), so this product gets
  // blocks of its own; int64 products always go to Eigen. Exact integers:
  // every checked entry must match. Checked on a sample of entries (every
  // 61st), which the plain loop computes alone.
  const int64_t m = 64, n = 4096, k = 1024;
  std::vector<int64_t> a(m * k), b(k * n), c(m * n, 7);
  for (int64_t i = 0; i < m * k; ++i) a[i] = (i * 37) % 11 - 5;
  for (int64_t i = 0; i < k * n; ++i) b[i] = (i * 53) % 13 - 6;
  nabla::kernels::cpu::gemm(GemmArgs<int64_t>{m, n, k, a.data(), k, false, b.data(), n, false, c.data(), n, false});
  for (int64_t e = 0; e < m * n; e += 61) {
    const int64_t i = e / n, j = e % n;
    int64_t expected = 0;
    for (int64_t p = 0; p < k; ++p) expected += a[i * k + p] * b[p * n + j];
    CAPTURE(i, j);
    REQUIRE(c[e] == expected);
  }
}

TEST_CASE("gemm: small products of odd sizes (the packing-free kernels) match a plain loop", "[gemm]") {
  for (int64_t m : {1, 2, 5, 7, 32, 37})
    for (int64_t n : {1, 9, 17, 63, 65, 130})
      for (int64_t k : {1, 3, 16, 29, 130, 300}) check_gemm<float>(m, n, k, 1e-4 * double(k));
  // The sizes of a 784-128-64-10 MLP's step at batch 32 (the first two are
  // split across 2 threads: x·Wᵀ by columns, dW = dzᵀ·x by rows).
  check_gemm<float>(32, 128, 784, 0.1);
  check_gemm<float>(128, 784, 32, 0.01);
}
