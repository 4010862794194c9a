// gemm() (kernels/cpu/gemm.h) against a plain double-precision loop, in
// every storage order, with and without accumulate: on products large
// enough to be split across threads and - where nabla found OpenBLAS with
// fast kernels - to go to OpenBLAS, and on small products of odd sizes, which
// on AVX-512 CPUs go to the packing-free kernels of gemm_small.h (every tile
// remainder and masked tail: m not a multiple of 3 or 6, n of 8 or 16, k of
// 16; n = 37 and 128, which the dot tiles split into tiles of 6 and of 5).
#include <nabla/kernels/cpu/cpu_kernels.h>
#include <nabla/kernels/cpu/gemm.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
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
    for (int64_t n : {1, 9, 17, 37, 63, 65, 130})
      for (int64_t k : {1, 3, 16, 29, 130, 300}) check_gemm<float>(m, n, k, 1e-4 * double(k));
  // The sizes of a 784-128-64-10 MLP's step at batch 32 (the first two are
  // split across 2 threads: x·Wᵀ by columns, dW = dzᵀ·x by rows).
  check_gemm<float>(32, 128, 784, 0.1);
  check_gemm<float>(128, 784, 32, 0.01);
}

namespace {

// C = A·B (plus C when accumulate) for float A with zeros at random places
// (a fraction `zeros` of A; B row-major), checked against a plain loop and,
// where gemm_small.h's kernels take the product (an AVX-512 CPU, no
// NABLA_GEMM), for equality with what their dense tiles compute: per
// element, the FMAs over k in blocks of 64, each block's sum added to C.
// Skipping a zero changes no value, so the result must match whether the
// zeros were skipped (many of them) or multiplied (few).
// Makes a fraction of B's rows zero over a run of columns, a panel of the
// zero-skipping tiles or more, or part of one (as a patch of an image's
// background zeros rows of x), which those tiles skip as well.
void zero_row_patches(std::vector<float>& b, int64_t k, int64_t n, int64_t ldb, double fraction, std::mt19937& rng) {
  std::uniform_real_distribution<double> coin(0, 1);
  for (int64_t p = 0; p < k; ++p) {
    if (coin(rng) >= fraction) continue;
    const int64_t from = int64_t(coin(rng) * n / 2), to = coin(rng) < 0.5 ? n : from + (n - from) / 2;
    for (int64_t j = from; j < to; ++j) b[p * ldb + j] = 0.0f;
  }
}

// zero_rows: see zero_row_patches.
void check_zeros_of_a(int64_t m, int64_t n, int64_t k, double zeros, bool a_col, double zero_rows = 0) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<double> coin(0, 1);
  const int64_t lda = (a_col ? m : k) + 2, ldb = n + 1;
  std::vector<float> a((a_col ? k : m) * lda), b(k * ldb);
  for (float& v : a) v = coin(rng) < zeros ? 0.0f : normal(rng);
  for (float& v : b) v = normal(rng);
  zero_row_patches(b, k, n, ldb, zero_rows, rng);
  auto at = [&](int64_t i, int64_t p) { return a_col ? a[i + p * lda] : a[i * lda + p]; };
  const bool exact = std::string(nabla::kernels::cpu::gemm_isa()) == "avx512" && !std::getenv("NABLA_GEMM") &&
                     double(m) * double(n) * double(k) <= 8.0 * 1024 * 1024;
  for (bool accumulate : {false, true}) {
    CAPTURE(m, n, k, zeros, a_col, accumulate, exact);
    std::vector<float> c(m * n, 0.5f);
    nabla::kernels::cpu::gemm(
        GemmArgs<float>{m, n, k, a.data(), lda, a_col, b.data(), ldb, false, c.data(), n, accumulate});
    double worst = 0;
    int64_t unequal = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double ref = accumulate ? 0.5 : 0.0;
        float blocked = accumulate ? 0.5f : 0.0f;
        for (int64_t k0 = 0; k0 < k; k0 += 64) {
          float sum = 0.0f;
          for (int64_t p = k0; p < std::min(k, k0 + 64); ++p) {
            ref += double(at(i, p)) * double(b[p * ldb + j]);
            sum = std::fma(at(i, p), b[p * ldb + j], sum);
          }
          blocked = (k0 == 0 && !accumulate) ? sum : sum + blocked;
        }
        worst = std::max(worst, std::abs(c[i * n + j] - ref));
        unequal += c[i * n + j] != blocked;
      }
    REQUIRE(worst < 1e-4 * double(k));
    if (exact) REQUIRE(unequal == 0);
  }
}

}  // namespace

TEST_CASE("gemm: products whose A is mostly zeros (a ReLU layer's gradient) skip them and match", "[gemm]") {
  INFO("gemm uses " << nabla::kernels::cpu::gemm_isa());
  // Few zeros (the dense tiles), many, all but a few and all (the
  // zero-skipping tiles), both orders of A; m odd and over a block of 256
  // rows, n over and under a panel of 128 and the 32 columns below which
  // zeros are not looked for, k over one and two blocks of 64.
  for (double zeros : {0.1, 0.6, 0.97, 1.0})
    for (bool a_col : {false, true})
      for (int64_t m : {1, 7, 37, 261})
        for (int64_t n : {31, 33, 130})
          for (int64_t k : {1, 29, 64, 65, 130}) check_zeros_of_a(m, n, k, zeros, a_col);
  // B with rows of zeros across whole panels or parts of them.
  for (double zero_rows : {0.3, 0.9, 1.0})
    for (int64_t n : {33, 130, 784}) check_zeros_of_a(37, n, 32, 0.6, true, zero_rows);
  // The benchmark MLP's dW = dzᵀ·x at batch 32 (split across 2 threads by rows).
  for (int threads : {1, 2}) {
    nabla::set_num_threads(threads);
    check_zeros_of_a(128, 784, 32, 0.6, true);
    check_zeros_of_a(128, 784, 32, 0.6, true, 0.5);
  }
  nabla::set_num_threads(1);
}

TEST_CASE("gemm: a zero of A times an infinity or NaN of B is NaN, as IEEE multiplication says", "[gemm]") {
  // The zero-skipping tiles would leave those products out; a block of B
  // with a non-finite value goes to the dense tiles, which multiply them.
  for (bool a_col : {false, true}) {
    const int64_t m = 40, n = 64, k = 32;
    std::vector<float> a(m * k, 0.0f), b(k * n, 1.0f), c(m * n, 7.0f);
    for (int64_t i = 0; i < m; ++i) a[a_col ? i + (i % k) * m : i * k + i % k] = 2.0f;  // one non-zero per row
    b[5 * n + 3] = std::numeric_limits<float>::infinity();
    b[9 * n + 4] = std::numeric_limits<float>::quiet_NaN();
    nabla::kernels::cpu::gemm(
        GemmArgs<float>{m, n, k, a.data(), a_col ? m : k, a_col, b.data(), n, false, c.data(), n, false});
    CAPTURE(a_col);
    for (int64_t i = 0; i < m; ++i) {
      CAPTURE(i);
      if (i % k == 5)
        REQUIRE(c[i * n + 3] == std::numeric_limits<float>::infinity());  // 2 · inf, the rest 0 · 1
      else
        REQUIRE(std::isnan(c[i * n + 3]));  // 0 · inf
      REQUIRE(std::isnan(c[i * n + 4]));    // 0 · NaN or 2 · NaN
      REQUIRE(c[i * n + 0] == 2.0f);
    }
  }
}

namespace {

// kernels::cpu::sgd_step_product (the SGD step fused into dW's product,
// gemm_sgd) against the product by gemm() into a buffer and then
// kernels::cpu::sgd_step: the parameter and momentum buffer must come out
// the same, bit for bit. Returns false where the fused kernel declined.
bool check_sgd_product(int64_t m, int64_t n, int64_t k, double zeros, bool a_col, const nabla::kernels::SgdHyper& h,
                       double zero_rows = 0) {
  using nabla::kernels::View;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<double> uniform;
  std::vector<float> a(m * k), b(k * n), grad(m * n), p(m * n), v(m * n);
  for (float& x : a) x = uniform(rng) < zeros ? 0.0f : normal(rng);
  for (float& x : b) x = normal(rng);
  zero_row_patches(b, k, n, n, zero_rows, rng);
  for (float& x : p) x = normal(rng);
  for (float& x : v) x = normal(rng);
  std::vector<float> p2 = p, v2 = v;
  nabla::kernels::cpu::gemm(
      GemmArgs<float>{m, n, k, a.data(), a_col ? m : k, a_col, b.data(), n, false, grad.data(), n, false});
  const int64_t flat[2] = {m * n, 1};
  auto dense = [&](float* data) { return View{data, nabla::kFloat32, nabla::Device(), 1, flat, flat + 1}; };
  nabla::kernels::cpu::sgd_step(dense(p.data()), dense(grad.data()), dense(v.data()), h);
  // a [1, m, k] in its storage order, b [1, k, n] row-major, as matmul's views.
  const int64_t av[6] = {1, m, k, 0, a_col ? 1 : k, a_col ? m : 1}, bv[6] = {1, k, n, 0, n, 1};
  const bool fused = nabla::kernels::cpu::sgd_step_product(
      dense(p2.data()), View{a.data(), nabla::kFloat32, nabla::Device(), 3, av, av + 3},
      View{b.data(), nabla::kFloat32, nabla::Device(), 3, bv, bv + 3}, dense(v2.data()), h);
  if (!fused) return false;
  int64_t differ = 0, first = -1;
  for (int64_t i = 0; i < m * n; ++i)
    if (p2[i] != p[i] || v2[i] != v[i]) differ++, first = first < 0 ? i : first;
  CAPTURE(m, n, k, zeros, a_col, first);
  REQUIRE(differ == 0);
  return true;
}

}  // namespace

TEST_CASE("gemm: the SGD step fused into a product's tiles equals the product, then the step", "[gemm]") {
  const std::vector<nabla::kernels::SgdHyper> hypers = {
      {0.05, 0.9, 0.0, 0.0, false, false, false},   // momentum
      {0.05, 0.9, 0.1, 0.01, false, false, false},  // dampening, weight decay
      {0.05, 0.9, 0.0, 1e-3, true, false, false},   // nesterov
      {0.02, 0.5, 0.0, 0.0, false, true, false},    // maximize
  };
  // The fused kernel runs on AVX-512 CPUs unless NABLA_GEMM picks another GEMM.
  const bool expect_fused = std::string(nabla::kernels::cpu::gemm_isa()) == "avx512" && !std::getenv("NABLA_GEMM");
  INFO("gemm uses " << nabla::kernels::cpu::gemm_isa());
  for (const auto& h : hypers)
    for (double zeros : {0.0, 0.6, 0.97})
      for (bool a_col : {false, true})
        for (int64_t m : {1, 7, 37, 261})
          for (int64_t n : {31, 33, 130})
            for (int64_t k : {1, 29, 64}) CHECK(check_sgd_product(m, n, k, zeros, a_col, h) == expect_fused);
  // The benchmark MLP's first layer, split across 2 threads by rows.
  for (int threads : {1, 2}) {
    nabla::set_num_threads(threads);
    CHECK(check_sgd_product(128, 784, 32, 0.6, true, hypers[0]) == expect_fused);
    CHECK(check_sgd_product(128, 784, 32, 0.6, true, hypers[0], 0.5) == expect_fused);
  }
  nabla::set_num_threads(1);
  // Declined (the caller forms the gradient instead): k over one block of
  // 64, the momentum buffer's first step.
  CHECK_FALSE(check_sgd_product(37, 33, 65, 0.6, true, hypers[0]));
  CHECK_FALSE(check_sgd_product(37, 33, 29, 0.6, true, {0.05, 0.9, 0.0, 0.0, false, false, true}));
}
