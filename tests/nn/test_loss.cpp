// Loss functions against PyTorch 1.13 (tests/data/make_loss_fixtures.py):
// values and gradients for every reduction, the fused cross-entropy kernel
// against its composed reference, gradient checks, modules and errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <string>

#include "helpers.h"

using namespace nabla;
namespace F = nabla::nn::functional;
using F::Reduction;
using testing::leaf;
using testing::leaf_in;
using testing::require_close;

namespace {

Tensor fixture(const std::string& name) { return testing::load_fixture("nn/loss/" + name); }

Reduction reduction_of(const std::string& name) {
  if (name == "none") return Reduction::None;
  if (name == "mean") return Reduction::Mean;
  if (name == "sum") return Reduction::Sum;
  return Reduction::BatchMean;
}

using LossFn = std::function<Tensor(const Tensor& x, const Tensor& t, Reduction r)>;

// For each reduction: y = fn(x, t) and the gradients of sum(y * g) against
// <name>_<r>_y, _dx (and _dt); float64 to 1e-10, and y again in float32.
void check_case(const std::string& name, const LossFn& fn, bool target_grad,
                const std::vector<std::string>& reductions = {"none", "mean", "sum"}) {
  for (const std::string& r : reductions) {
    INFO("case " << name << ", reduction " << r);
    Tensor x = fixture(name + "_x").requires_grad_();
    Tensor t = fixture(name + "_t");
    if (target_grad) t.requires_grad_();
    Tensor y = fn(x, t, reduction_of(r));
    if (y.ndim() > 0)
      (y * fixture(name + "_g")).sum().backward();
    else
      y.backward();
    require_close(y, fixture(name + "_" + r + "_y"), 1e-10);
    require_close(x.grad(), fixture(name + "_" + r + "_dx"), 1e-10);
    if (target_grad) require_close(t.grad(), fixture(name + "_" + r + "_dt"), 1e-10);
    // float32: the same values to float32 precision.
    Tensor t32 = is_floating(t.dtype()) ? t.detach().astype(kFloat32) : t;
    Tensor y32 = fn(x.detach().astype(kFloat32), t32, reduction_of(r));
    REQUIRE(y32.dtype() == kFloat32);
    require_close(y32, fixture(name + "_" + r + "_y"), 2e-5);
  }
}

}  // namespace

// ---- values and gradients against PyTorch ---------------------------------------------

TEST_CASE("regression losses match PyTorch", "[loss]") {
  check_case(
      "mse", [](auto x, auto t, auto r) { return F::mse_loss(x, t, r); }, true);
  check_case(
      "l1", [](auto x, auto t, auto r) { return F::l1_loss(x, t, r); }, true);
  check_case(
      "smoothl1", [](auto x, auto t, auto r) { return F::smooth_l1_loss(x, t, r); }, true);
  check_case(
      "smoothl1b", [](auto x, auto t, auto r) { return F::smooth_l1_loss(x, t, r, 0.5); }, true);
  check_case(
      "huber", [](auto x, auto t, auto r) { return F::huber_loss(x, t, r); }, true);
  check_case(
      "huberd", [](auto x, auto t, auto r) { return F::huber_loss(x, t, r, 0.7); }, true);
}

TEST_CASE("cross_entropy matches PyTorch: class indices", "[loss]") {
  const Tensor w = fixture("ce_w_w");
  SECTION("plain") {
    check_case(
        "ce", [](auto x, auto t, auto r) { return F::cross_entropy(x, t, Tensor(), -100, r); }, false);
  }
  SECTION("class weights") {
    check_case(
        "ce_w", [w](auto x, auto t, auto r) { return F::cross_entropy(x, t, w, -100, r); }, false);
  }
  SECTION("label smoothing") {
    check_case(
        "ce_ls", [](auto x, auto t, auto r) { return F::cross_entropy(x, t, Tensor(), -100, r, 0.15); }, false);
  }
  SECTION("ignore_index (the default -100)") {
    check_case(
        "ce_ign", [](auto x, auto t, auto r) { return F::cross_entropy(x, t, Tensor(), -100, r); }, false);
  }
  SECTION("weights, ignore_index and label smoothing together") {
    check_case(
        "ce_all", [w](auto x, auto t, auto r) { return F::cross_entropy(x, t, w, 1, r, 0.2); }, false);
  }
  SECTION("label smoothing with ignored targets") {
    check_case(
        "ce_ls_ign", [](auto x, auto t, auto r) { return F::cross_entropy(x, t, Tensor(), -100, r, 0.2); }, false);
  }
  SECTION("large logits (around 1000) stay finite") {
    check_case(
        "ce_big", [](auto x, auto t, auto r) { return F::cross_entropy(x, t, Tensor(), -100, r, 0.1); }, false);
  }
  SECTION("N-d: [N, C, d1, d2] against [N, d1, d2]") {
    const Tensor w4 = fixture("ce_nd_w");
    check_case(
        "ce_nd", [w4](auto x, auto t, auto r) { return F::cross_entropy(x, t, w4, -100, r, 0.1); }, false);
  }
  SECTION("unbatched: [C] against a 0-d target") {
    check_case(
        "ce_1d", [](auto x, auto t, auto r) { return F::cross_entropy(x, t, Tensor(), -100, r, 0.1); }, false);
  }
}

TEST_CASE("cross_entropy matches PyTorch: class probabilities", "[loss]") {
  check_case(
      "ce_prob", [](auto x, auto t, auto r) { return F::cross_entropy(x, t, Tensor(), -100, r); }, true);
  const Tensor w = fixture("ce_prob_all_w");
  check_case(
      "ce_prob_all", [w](auto x, auto t, auto r) { return F::cross_entropy(x, t, w, -100, r, 0.1); }, true);
  check_case(
      "ce_nd_prob", [](auto x, auto t, auto r) { return F::cross_entropy(x, t, Tensor(), -100, r); }, true);
}

TEST_CASE("nll_loss matches PyTorch", "[loss]") {
  check_case(
      "nll", [](auto x, auto t, auto r) { return F::nll_loss(x, t, Tensor(), -100, r); }, false);
  const Tensor w = fixture("nll_all_w");
  check_case(
      "nll_all", [w](auto x, auto t, auto r) { return F::nll_loss(x, t, w, 1, r); }, false);
  const Tensor w4 = fixture("nll_nd_w");
  check_case(
      "nll_nd", [w4](auto x, auto t, auto r) { return F::nll_loss(x, t, w4, -100, r); }, false);
}

TEST_CASE("binary cross-entropy losses match PyTorch", "[loss]") {
  check_case(
      "bce", [](auto x, auto t, auto r) { return F::binary_cross_entropy(x, t, Tensor(), r); }, true);
  const Tensor wb = fixture("bce_w_w");
  check_case(
      "bce_w", [wb](auto x, auto t, auto r) { return F::binary_cross_entropy(x, t, wb, r); }, true);
  // Probabilities of exactly 0 and 1: the logs are clamped at -100.
  require_close(F::binary_cross_entropy(fixture("bce_edge_x"), fixture("bce_edge_t"), Tensor(), Reduction::None),
                fixture("bce_edge_y"), 1e-12);

  check_case(
      "bcel", [](auto x, auto t, auto r) { return F::binary_cross_entropy_with_logits(x, t, Tensor(), r); }, true);
  const Tensor w = fixture("bcel_all_w"), pw = fixture("bcel_all_pw");
  check_case(
      "bcel_all", [w, pw](auto x, auto t, auto r) { return F::binary_cross_entropy_with_logits(x, t, w, r, pw); },
      true);
}

TEST_CASE("kl_div and margin_ranking_loss match PyTorch", "[loss]") {
  const std::vector<std::string> all = {"none", "mean", "sum", "batchmean"};
  check_case(
      "kl", [](auto x, auto t, auto r) { return F::kl_div(x, t, r); }, true, all);
  check_case(
      "kl_log", [](auto x, auto t, auto r) { return F::kl_div(x, t, r, true); }, true, all);
  check_case(
      "kl_zero", [](auto x, auto t, auto r) { return F::kl_div(x, t, r); }, false);
  const Tensor x2 = fixture("mrl_x2");
  check_case(
      "mrl", [x2](auto x, auto y, auto r) { return F::margin_ranking_loss(x, x2, y, 0.25, r); }, false);
}

// ---- the fused cross-entropy kernel against its composed reference ------------------------

namespace {

// cross_entropy written with log_softmax, gather and sums only.
Tensor cross_entropy_reference(const Tensor& x, const Tensor& t, const Tensor& w, int64_t ignore_index,
                               Reduction reduction, double eps) {
  const int64_t n = x.shape()[0], c = x.shape()[1];
  Tensor logp = log_softmax(x, 1);
  Tensor keep = (t != static_cast<double>(ignore_index));
  Tensor safe = where(keep, t.to(kFloat64), 0.0).to(kInt64);
  Tensor wc = w.defined() ? w.to(x.dtype()) : ones({c}, x.dtype());
  Tensor wt = index_select(wc, 0, safe) * keep.to(x.dtype());
  Tensor nll = -gather(logp, 1, safe.reshape({n, 1})).reshape({n}) * wt;
  Tensor smooth = -sum(logp * wc, {1}) * keep.to(x.dtype());
  Tensor rows = (1 - eps) * nll + eps / c * smooth;
  if (reduction == Reduction::None) return rows;
  if (reduction == Reduction::Sum) return sum(rows);
  return sum(rows) / sum(wt);
}

}  // namespace

TEST_CASE("cross_entropy: the fused kernel equals the composed reference", "[loss]") {
  // 600 x 97 is above the kernel's grain size: the rows are split over
  // threads. 203 x 10 has the benchmark MLP's class count (rows of two
  // vectors and a scalar tail in Eigen's loops); 5 x 1500 has long rows.
  for (auto shape : {Shape{7, 3}, Shape{600, 97}, Shape{203, 10}, Shape{5, 1500}}) {
    const int64_t n = shape[0], c = shape[1];
    Generator gen(42);
    Tensor x64 = randn(shape, gen, kFloat64) * 3.0;
    Tensor t = randint(0, c, {n}, gen);
    {
      NoGradGuard no_grad;
      t.index_put_({Slice(0, None, 5)}, -100.0);  // every 5th target ignored
    }
    Tensor w = rand({c}, gen, kFloat64) + 0.5;
    for (DType dtype : {kFloat64, kFloat32}) {
      const double tol = dtype == kFloat64 ? 1e-12 : 2e-5;
      for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
        for (double eps : {0.0, 0.3}) {
          for (bool use_w : {false, true}) {
            INFO("shape " << shape_str(shape) << " " << dtype_name(dtype) << " reduction " << F::reduction_name(r)
                          << " eps " << eps << " weights " << use_w);
            Tensor wt = use_w ? w.to(dtype) : Tensor();
            Tensor a = x64.astype(dtype).requires_grad_();
            Tensor b = x64.astype(dtype).requires_grad_();
            Tensor ya = F::cross_entropy(a, t, wt, -100, r, eps);
            Tensor yb = cross_entropy_reference(b, t, wt, -100, r, eps);
            require_close(ya, yb, tol);
            Tensor g = ya.ndim() > 0 ? randn(ya.shape(), gen, dtype) : ones({}, dtype);
            (ya * g).sum().backward();
            (yb * g).sum().backward();
            require_close(a.grad(), b.grad(), tol);
          }
        }
      }
    }
  }
}

TEST_CASE("cross_entropy: double backward through the fused op", "[loss]") {
  // The Hessian-vector product of the fused op equals the composed one's.
  Tensor x = leaf({4, 5});
  Tensor t = tensor({2, -100, 0, 4}, kInt64);
  Tensor w = tensor({0.5, 1.0, 1.5, 2.0, 0.7}, kFloat64);
  Tensor v = leaf({4, 5}, 9).detach();
  auto hvp = [&](bool fused) {
    Tensor xi = x.detach().clone().requires_grad_();
    Tensor y = fused ? F::cross_entropy(xi, t, w, -100, Reduction::Mean, 0.1)
                     : cross_entropy_reference(xi, t, w, -100, Reduction::Mean, 0.1);
    Tensor dx = autograd::grad({y}, {xi}, {}, true, true)[0];
    (dx * v).sum().backward();
    return xi.grad();
  };
  require_close(hvp(true), hvp(false), 1e-12);
  // With create_graph the backward runs as differentiable ops instead of
  // the kernel: the first gradients agree.
  Tensor xi = x.detach().clone().requires_grad_();
  Tensor plain = autograd::grad({F::cross_entropy(xi, t, w, -100, Reduction::Sum, 0.1)}, {xi})[0];
  Tensor graphed = autograd::grad({F::cross_entropy(xi, t, w, -100, Reduction::Sum, 0.1)}, {xi}, {}, true, true)[0];
  REQUIRE(graphed.requires_grad());
  require_close(graphed, plain, 1e-12);
}

// ---- gradient checks (float64 finite differences, first and second order) -------------------

namespace {
// Checks f(x, t) in x (t fixed) with gradcheck and gradgradcheck.
template <class Fn>
bool check_in_x(Fn fn, const Tensor& x) {
  return testing::check1(fn, x);
}
}  // namespace

TEST_CASE("gradcheck: cross_entropy", "[gradcheck][loss]") {
  Tensor t = tensor({2, -100, 0, 4, 1}, kInt64);
  Tensor w = tensor({0.5, 1.0, 1.5, 2.0, 0.7}, kFloat64);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    REQUIRE(check_in_x([&](auto x) { return F::cross_entropy(x, t, Tensor(), -100, r); }, leaf({5, 5})));
    REQUIRE(check_in_x([&](auto x) { return F::cross_entropy(x, t, w, -100, r, 0.2); }, leaf({5, 5}, 2)));
  }
  // N-d and class probabilities (differentiable in the target too).
  Tensor t3 = tensor({{1, 0, 2}, {-100, 2, 1}}, kInt64);
  REQUIRE(check_in_x([&](auto x) { return F::cross_entropy(x, t3, Tensor(), -100, Reduction::Mean, 0.1); },
                     leaf({2, 3, 3}, 3)));
  Tensor p = softmax(leaf({3, 4}, 5), 1).detach().requires_grad_();
  REQUIRE(testing::check2([](auto x, auto q) { return F::cross_entropy(x, q, Tensor(), -100, Reduction::Mean, 0.1); },
                          leaf({3, 4}, 4), p));
}

TEST_CASE("gradcheck: nll_loss", "[gradcheck][loss]") {
  Tensor t = tensor({2, 1, 0, 4}, kInt64);
  Tensor w = tensor({0.5, 1.0, 1.5, 2.0, 0.7}, kFloat64);
  REQUIRE(check_in_x([&](auto x) { return F::nll_loss(x, t, w, 1, Reduction::Mean); }, leaf({4, 5})));
  REQUIRE(check_in_x([&](auto x) { return F::nll_loss(x, t, Tensor(), -100, Reduction::None); }, leaf({4, 5}, 2)));
}

TEST_CASE("gradcheck: binary_cross_entropy", "[gradcheck][loss]") {
  Tensor w = tensor({0.5, 2.0, 1.0}, kFloat64);
  REQUIRE(testing::check2([&](auto x, auto t) { return F::binary_cross_entropy(x, t, w, Reduction::Mean); },
                          leaf_in({4, 3}, 0.1, 0.9), leaf_in({4, 3}, 0.0, 1.0, 2)));
}

TEST_CASE("gradcheck: binary_cross_entropy_with_logits", "[gradcheck][loss]") {
  Tensor w = tensor({0.5, 2.0, 1.0}, kFloat64), pw = tensor({3.0, 0.5, 1.2}, kFloat64);
  REQUIRE(
      testing::check2([&](auto x, auto t) { return F::binary_cross_entropy_with_logits(x, t, w, Reduction::Sum, pw); },
                      leaf({4, 3}), leaf_in({4, 3}, 0.0, 1.0, 2)));
  // At x = 0, the kink of max(x, 0), the gradient is still sigmoid(0) - t.
  Tensor x0 = zeros({3}, kFloat64).requires_grad_();
  Tensor t0 = tensor({0.0, 0.25, 1.0}, kFloat64);
  F::binary_cross_entropy_with_logits(x0, t0, Tensor(), Reduction::Sum).backward();
  require_close(x0.grad(), tensor({0.5, 0.25, -0.5}, kFloat64), 1e-15);
  REQUIRE(check_in_x([&](auto x) { return F::binary_cross_entropy_with_logits(x, t0, Tensor(), Reduction::None); },
                     zeros({3}, kFloat64).requires_grad_()));
}

TEST_CASE("gradcheck: mse_loss", "[gradcheck][loss]") {
  REQUIRE(testing::check2([](auto x, auto t) { return F::mse_loss(x, t, Reduction::Mean); }, leaf({3, 4}),
                          leaf({3, 4}, 2)));
}

TEST_CASE("gradcheck: l1_loss", "[gradcheck][loss]") {
  // Differences kept away from 0 (the kink of |d|).
  Tensor t = leaf({3, 4}, 2);
  Tensor x =
      (t.detach() + leaf_in({3, 4}, 0.2, 1.0, 3).detach() * tensor({1, -1, 1, -1}, kFloat64)).detach().requires_grad_();
  REQUIRE(testing::check2([](auto a, auto b) { return F::l1_loss(a, b, Reduction::Sum); }, x, t));
}

TEST_CASE("gradcheck: smooth_l1_loss", "[gradcheck][loss]") {
  // Differences in both branches (|d| < beta and above), none at |d| = beta.
  Tensor t = zeros({6}, kFloat64);
  Tensor x = tensor({-2.0, -0.7, -0.1, 0.2, 0.4, 1.6}, kFloat64).requires_grad_();
  REQUIRE(testing::check2([](auto a, auto b) { return F::smooth_l1_loss(a, b, Reduction::None, 0.5); }, x,
                          t.requires_grad_()));
  REQUIRE(check_in_x([](auto a) { return F::smooth_l1_loss(a, zeros({6}, kFloat64), Reduction::Mean, 0.0); }, x));
}

TEST_CASE("gradcheck: huber_loss", "[gradcheck][loss]") {
  Tensor t = zeros({6}, kFloat64).requires_grad_();
  Tensor x = tensor({-2.0, -0.7, -0.1, 0.2, 0.4, 1.6}, kFloat64).requires_grad_();
  REQUIRE(testing::check2([](auto a, auto b) { return F::huber_loss(a, b, Reduction::Mean, 0.5); }, x, t));
}

TEST_CASE("gradcheck: kl_div", "[gradcheck][loss]") {
  Tensor logq = log_softmax(leaf({3, 4}), 1).detach().requires_grad_();
  Tensor p = softmax(leaf({3, 4}, 2), 1).detach().requires_grad_();
  REQUIRE(testing::check2([](auto x, auto t) { return F::kl_div(x, t, Reduction::BatchMean); }, logq, p));
  REQUIRE(
      testing::check2([](auto x, auto t) { return F::kl_div(x, t, Reduction::None, true); }, logq, leaf({3, 4}, 3)));
}

TEST_CASE("gradcheck: margin_ranking_loss", "[gradcheck][loss]") {
  Tensor y = tensor({1.0, -1.0, 1.0, -1.0}, kFloat64);
  Tensor x2 = tensor({0.5, 0.7, -0.9, 1.1}, kFloat64).requires_grad_();
  Tensor x1 = tensor({0.3, -1.2, 0.8, 2.0}, kFloat64).requires_grad_();
  REQUIRE(
      testing::check2([&](auto a, auto b) { return F::margin_ranking_loss(a, b, y, 0.1, Reduction::Mean); }, x1, x2));
}

// ---- modules -------------------------------------------------------------------------------

TEST_CASE("loss modules call their functions with their options", "[loss]") {
  Tensor x = fixture("ce_x"), t = fixture("ce_t"), w = fixture("ce_all_w");
  nn::CrossEntropyLoss ce(w, 1, Reduction::Mean, 0.2);
  require_close(ce(x, fixture("ce_all_t")), fixture("ce_all_mean_y"), 1e-10);
  REQUIRE(ce.repr() == "CrossEntropyLoss()");
  auto buffers = ce.named_buffers();
  REQUIRE(buffers.size() == 1);
  REQUIRE(buffers[0].first == "weight");
  REQUIRE(buffers[0].second.is_same(ce.weight));
  REQUIRE(ce.parameters().empty());
  REQUIRE(nn::CrossEntropyLoss().buffers().empty());
  // Moving the module converts its weights: float32 logits work after to(kFloat32).
  ce.to(kFloat32);
  REQUIRE(ce.weight.dtype() == kFloat32);
  require_close(ce.forward(x.astype(kFloat32), fixture("ce_all_t")), fixture("ce_all_mean_y"), 2e-5);

  nn::NLLLoss nll(fixture("nll_all_w"), 1, Reduction::Sum);
  require_close(nll(fixture("nll_all_x"), fixture("nll_all_t")), fixture("nll_all_sum_y"), 1e-10);

  Tensor rx = fixture("mse_x"), rt = fixture("mse_t");
  require_close(nn::MSELoss()(rx, rt), fixture("mse_mean_y"), 1e-10);
  require_close(nn::L1Loss(Reduction::Sum)(rx, rt), fixture("l1_sum_y"), 1e-10);
  require_close(nn::SmoothL1Loss(Reduction::None, 0.5)(rx, rt), fixture("smoothl1b_none_y"), 1e-10);
  require_close(nn::HuberLoss(Reduction::Mean, 0.7)(rx, rt), fixture("huberd_mean_y"), 1e-10);

  nn::BCELoss bce(fixture("bce_w_w"));
  require_close(bce(fixture("bce_w_x"), fixture("bce_w_t")), fixture("bce_w_mean_y"), 1e-10);
  nn::BCEWithLogitsLoss bcel(fixture("bcel_all_w"), Reduction::Sum, fixture("bcel_all_pw"));
  require_close(bcel(fixture("bcel_all_x"), fixture("bcel_all_t")), fixture("bcel_all_sum_y"), 1e-10);
  auto bcel_buffers = bcel.named_buffers();
  REQUIRE(bcel_buffers.size() == 2);
  REQUIRE(bcel_buffers[1].first == "pos_weight");

  nn::KLDivLoss kl(Reduction::BatchMean, true);
  require_close(kl(fixture("kl_log_x"), fixture("kl_log_t")), fixture("kl_log_batchmean_y"), 1e-10);
  nn::MarginRankingLoss mrl(0.25, Reduction::None);
  require_close(mrl(fixture("mrl_x"), fixture("mrl_x2"), fixture("mrl_t")), fixture("mrl_none_y"), 1e-10);
}

// ---- errors ------------------------------------------------------------------------------

TEST_CASE("losses: misuse is a clear error", "[loss]") {
  Tensor logits = zeros({4, 3});
  SECTION("class index out of range names the index") {
    Tensor bad = tensor({0, 2, 7, 1}, kInt64);
    REQUIRE_THROWS_WITH(F::cross_entropy(logits, bad), Catch::Contains("cross_entropy") &&
                                                           Catch::Contains("target class 7 is out of range for 3") &&
                                                           Catch::Contains("flat position 2"));
    REQUIRE_THROWS_WITH(F::cross_entropy(logits, tensor({0, -1, 1, 1}, kInt64)), Catch::Contains("target class -1"));
    REQUIRE_THROWS_WITH(F::nll_loss(logits, bad), Catch::Contains("nll_loss") && Catch::Contains("target class 7"));
    // ignore_index itself is fine, whatever its value.
    REQUIRE_NOTHROW(F::cross_entropy(logits, tensor({0, 5, 1, 5}, kInt64), Tensor(), 5));
  }
  SECTION("target of the wrong shape or dtype") {
    REQUIRE_THROWS_WITH(
        F::cross_entropy(logits, zeros({4, 1}, kInt64)),
        Catch::Contains("target of shape (4, 1) does not match input of shape (4, 3)") && Catch::Contains("(4,)"));
    REQUIRE_THROWS_WITH(F::cross_entropy(logits, zeros({4})), Catch::Contains("must be int64, got float32"));
    REQUIRE_THROWS_AS(F::cross_entropy(zeros({4, 3}, kInt64), zeros({4}, kInt64)), Error);
    REQUIRE_THROWS_AS(F::nll_loss(zeros({2, 3, 5}), zeros({2, 3}, kInt64)), Error);
    REQUIRE_THROWS_WITH(F::mse_loss(zeros({4, 1}), zeros({4})),
                        Catch::Contains("mse_loss") && Catch::Contains("target of shape (4,)"));
    REQUIRE_THROWS_WITH(F::l1_loss(zeros({4}), zeros({4}, kInt64)), Catch::Contains("floating target"));
    REQUIRE_THROWS_AS(F::binary_cross_entropy_with_logits(zeros({2, 3}), zeros({3, 2})), Error);
  }
  SECTION("bad weights and options") {
    REQUIRE_THROWS_WITH(F::cross_entropy(logits, zeros({4}, kInt64), ones({4})),
                        Catch::Contains("weight of shape (4,) must be [C] = (3,)"));
    REQUIRE_THROWS_AS(F::cross_entropy(logits, zeros({4}, kInt64), Tensor(), -100, Reduction::Mean, 1.5), Error);
    REQUIRE_THROWS_WITH(F::cross_entropy(logits, full({4, 3}, 1.0 / 3), Tensor(), 0), Catch::Contains("ignore_index"));
    REQUIRE_THROWS_WITH(F::mse_loss(zeros({2}), zeros({2}), Reduction::BatchMean), Catch::Contains("batchmean"));
    REQUIRE_THROWS_AS(
        F::binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), Tensor(), Reduction::Mean, ones({2})), Error);
  }
  SECTION("binary_cross_entropy wants probabilities") {
    REQUIRE_THROWS_WITH(F::binary_cross_entropy(tensor({0.5, 1.5}), tensor({0.0, 1.0})),
                        Catch::Contains("between 0 and 1"));
  }
  SECTION("every target ignored: the mean is NaN, as PyTorch") {
    Tensor y = F::cross_entropy(logits, full({4}, -100.0, kInt64));
    REQUIRE(std::isnan(y.item<double>()));
    REQUIRE(F::cross_entropy(logits, full({4}, -100.0, kInt64), Tensor(), -100, Reduction::Sum).item<double>() == 0);
  }
}
