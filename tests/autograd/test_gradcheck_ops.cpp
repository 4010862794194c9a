// Float64 central-difference checks of every core op's backward (and of
// its backward's backward). Kinked ops are tested away from their kinks.
// Indexing/joining ops have theirs in test_indexing.cpp / test_join.cpp.
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace nabla;
using testing::check1;
using testing::check2;
using testing::leaf;
using testing::leaf_in;

// ---- arithmetic (with broadcasting) -------------------------------------------
TEST_CASE("gradcheck: add", "[gradcheck]") {
  REQUIRE(check2([](auto a, auto b) { return a + b; }, leaf({3, 4}), leaf({4}, 2)));
  REQUIRE(check1([](auto a) { return a + 2.5; }, leaf({2, 3})));
}
TEST_CASE("gradcheck: sub", "[gradcheck]") {
  REQUIRE(check2([](auto a, auto b) { return a - b; }, leaf({3, 1}), leaf({1, 4}, 2)));
  REQUIRE(check1([](auto a) { return 1.0 - a; }, leaf({3})));
}
TEST_CASE("gradcheck: mul", "[gradcheck]") {
  REQUIRE(check2([](auto a, auto b) { return a * b; }, leaf({2, 3, 4}), leaf({3, 1}, 2)));
  REQUIRE(check1([](auto a) { return a * -3.0; }, leaf({5})));
}
TEST_CASE("gradcheck: div", "[gradcheck]") {
  REQUIRE(check2([](auto a, auto b) { return a / b; }, leaf({3, 4}), leaf_in({4}, 0.5, 2.0, 2)));
  REQUIRE(check1([](auto a) { return 2.0 / a; }, leaf_in({4}, 0.5, 2.0)));
}
TEST_CASE("gradcheck: neg", "[gradcheck]") {
  REQUIRE(check1([](auto a) { return -a; }, leaf({3, 2})));
}
TEST_CASE("gradcheck: pow", "[gradcheck]") {
  REQUIRE(check2([](auto a, auto b) { return pow(a, b); }, leaf_in({3, 2}, 0.5, 2.0), leaf({2}, 2)));
  REQUIRE(check1([](auto b) { return pow(2.0, b); }, leaf({4})));
}
TEST_CASE("gradcheck: pow_scalar", "[gradcheck]") {
  REQUIRE(check1([](auto a) { return pow(a, 3.0); }, leaf({4})));
  REQUIRE(check1([](auto a) { return pow(a, -1.5); }, leaf_in({4}, 0.5, 2.0)));
  REQUIRE(check1([](auto a) { return a.pow(0.5); }, leaf_in({4}, 0.5, 2.0)));
}
TEST_CASE("gradcheck: maximum", "[gradcheck]") {
  REQUIRE(check2([](auto a, auto b) { return maximum(a, b); }, leaf({3, 4}), leaf({3, 4}, 2)));
  REQUIRE(check1([](auto a) { return maximum(a, 0.1); }, leaf({6})));
}
TEST_CASE("gradcheck: minimum", "[gradcheck]") {
  REQUIRE(check2([](auto a, auto b) { return minimum(a, b); }, leaf({3, 4}), leaf({4}, 2)));
  REQUIRE(check1([](auto a) { return minimum(a, 0.1); }, leaf({6})));
}

// ---- elementwise math ------------------------------------------------------------
TEST_CASE("gradcheck: exp", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return exp(x); }, leaf({3, 3})));
}
TEST_CASE("gradcheck: log", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return log(x); }, leaf_in({5}, 0.5, 3)));
}
TEST_CASE("gradcheck: log1p", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return log1p(x); }, leaf_in({5}, -0.5, 3)));
}
TEST_CASE("gradcheck: expm1", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return expm1(x); }, leaf({5})));
}
TEST_CASE("gradcheck: sqrt", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return sqrt(x); }, leaf_in({5}, 0.5, 3)));
}
TEST_CASE("gradcheck: rsqrt", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return rsqrt(x); }, leaf_in({5}, 0.5, 3)));
}
TEST_CASE("gradcheck: abs", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return abs(x); }, leaf_in({5}, 0.2, 1) - 0.6));
}
TEST_CASE("gradcheck: sin", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return sin(x); }, leaf({5})));
}
TEST_CASE("gradcheck: cos", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return cos(x); }, leaf({5})));
}
TEST_CASE("gradcheck: tanh", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return tanh(x); }, leaf({2, 3})));
}
TEST_CASE("gradcheck: sigmoid", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return sigmoid(x); }, leaf({2, 3})));
}
TEST_CASE("gradcheck: erf", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return erf(x); }, leaf({5})));
}

// ---- activations -------------------------------------------------------------------
// Kinked activations: inputs kept at least 0.1 away from 0.
static Tensor away_from_zero(uint64_t seed) {
  Tensor x = leaf_in({12}, 0.1, 2.0, seed).detach();
  Tensor sign = tensor({1, -1, 1, -1, -1, 1, 1, -1, 1, -1, 1, -1}, kFloat64);
  return (x * sign).detach().requires_grad_();
}
TEST_CASE("gradcheck: relu", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return relu(x); }, away_from_zero(1)));
}
TEST_CASE("gradcheck: leaky_relu", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return leaky_relu(x, 0.1); }, away_from_zero(2)));
}
TEST_CASE("gradcheck: elu", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return elu(x, 0.7); }, away_from_zero(3)));
}
TEST_CASE("gradcheck: gelu", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return gelu(x); }, leaf({6})));
}
TEST_CASE("gradcheck: gelu_tanh", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return gelu_tanh(x); }, leaf({6})));
}
TEST_CASE("gradcheck: silu", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return silu(x); }, leaf({6})));
}
TEST_CASE("gradcheck: softplus", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return softplus(x); }, away_from_zero(4)));
}

TEST_CASE("softplus: gradient sigmoid(x) at 0 too, no overflow for large |x|", "[activation]") {
  Tensor x = tensor({-800.0, -1.0, 0.0, 1.0, 800.0}, kFloat64).requires_grad_();
  Tensor y = softplus(x);
  y.sum().backward();
  CHECK(allclose(
      y, tensor({0.0, std::log1p(std::exp(-1.0)), std::log(2.0), 1.0 + std::log1p(std::exp(-1.0)), 800.0}, kFloat64)));
  CHECK(allclose(x.grad(), sigmoid(x.detach())));
  CHECK(x.grad().index({2}).item() == 0.5);
}
TEST_CASE("gradcheck: softmax", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return softmax(x, -1); }, leaf({3, 4})));
  REQUIRE(check1([](auto x) { return softmax(x, 0); }, leaf({3, 4}, 2)));
}
TEST_CASE("gradcheck: log_softmax", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return log_softmax(x, 1); }, leaf({3, 4})));
}
TEST_CASE("gradcheck: dropout", "[gradcheck]") {
  // The same seed each call, so the mask is a fixed function of the input.
  REQUIRE(check1(
      [](auto x) {
        Generator g(7);
        return dropout(x, 0.4, true, g);
      },
      leaf({20})));
}

// ---- selection ----------------------------------------------------------------------
TEST_CASE("gradcheck: clamp", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return clamp(x, -0.5, 0.5); },
                 tensor({-1.3, -0.2, 0.1, 0.4, 0.9}, kFloat64).requires_grad_()));
  REQUIRE(check1([](auto x) { return clip(x, None, 0.0); }, tensor({-1.3, 0.4}, kFloat64).requires_grad_()));
}
TEST_CASE("gradcheck: where", "[gradcheck]") {
  Tensor cond = tensor({1, 0, 1, 0}, kBool);
  REQUIRE(check2([cond](auto a, auto b) { return where(cond, a, b); }, leaf({3, 4}), leaf({4}, 2)));
}
TEST_CASE("gradcheck: masked_fill", "[gradcheck]") {
  Tensor mask = tensor({{1, 0, 0}, {0, 1, 0}}, kBool);
  REQUIRE(check1([mask](auto x) { return masked_fill(x, mask, 3.0); }, leaf({2, 3})));
}

// ---- reductions ---------------------------------------------------------------------
TEST_CASE("gradcheck: sum", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return sum(x); }, leaf({2, 3})));
  REQUIRE(check1([](auto x) { return sum(x, {0, 2}); }, leaf({2, 3, 4})));
  REQUIRE(check1([](auto x) { return sum(x, {-1}, true); }, leaf({2, 3})));
}
TEST_CASE("gradcheck: mean", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return mean(x); }, leaf({2, 3})));
  REQUIRE(check1([](auto x) { return mean(x, {1}, true); }, leaf({2, 3, 2})));
}
TEST_CASE("gradcheck: var", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return var(x); }, leaf({6})));
  REQUIRE(check1([](auto x) { return var(x, {0}, 1); }, leaf({4, 3})));
}
TEST_CASE("gradcheck: std", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return nabla::std(x, {1}, 1, true); }, leaf({3, 4})));
}
TEST_CASE("gradcheck: max", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return max(x); }, leaf({3, 4})));
  REQUIRE(check1([](auto x) { return max(x, {1}); }, leaf({3, 4}, 2)));
}
TEST_CASE("gradcheck: min", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return min(x, {0}, true); }, leaf({3, 4})));
}
TEST_CASE("gradcheck: logsumexp", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return logsumexp(x, {1}); }, leaf({3, 4})));
  REQUIRE(check1([](auto x) { return logsumexp(x * 100.0); }, leaf({5})));  // large values: stable
}
TEST_CASE("gradcheck: prod", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return prod(x, {1}); }, leaf({3, 4})));
  // Exact zeros: one zero in the first row, two in the second.
  Tensor z = tensor({{0.0, 2.0, 3.0}, {0.0, 0.0, 5.0}, {1.5, -2.0, 0.5}}, kFloat64).requires_grad_();
  REQUIRE(autograd::gradcheck([](const std::vector<Tensor>& in) { return prod(in[0], {1}); }, {z}));
}

// ---- products -----------------------------------------------------------------------
TEST_CASE("gradcheck: matmul", "[gradcheck]") {
  REQUIRE(check2([](auto a, auto b) { return matmul(a, b); }, leaf({3, 4}), leaf({4, 5}, 2)));
  REQUIRE(check2([](auto a, auto b) { return matmul(a, b); }, leaf({4}), leaf({4}, 2)));                 // dot
  REQUIRE(check2([](auto a, auto b) { return matmul(a, b); }, leaf({4}), leaf({4, 3}, 2)));              // vec @ mat
  REQUIRE(check2([](auto a, auto b) { return matmul(a, b); }, leaf({3, 4}), leaf({4}, 2)));              // mat @ vec
  REQUIRE(check2([](auto a, auto b) { return matmul(a, b); }, leaf({2, 1, 3, 4}), leaf({3, 4, 2}, 2)));  // batched
  REQUIRE(check2([](auto a, auto b) { return matmul(a.t(), b); }, leaf({4, 3}), leaf({4, 2}, 2)));  // transposed view
}

// ---- views ----------------------------------------------------------------------------
TEST_CASE("gradcheck: reshape", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.reshape({3, -1}) * x.reshape({3, 4}); }, leaf({2, 6})));
  REQUIRE(check1([](auto x) { return x.t().reshape({12}); }, leaf({3, 4})));  // needs a copy
}
TEST_CASE("gradcheck: view", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.view({4, 3}); }, leaf({2, 6})));
}
TEST_CASE("gradcheck: flatten", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.flatten(1); }, leaf({2, 3, 2})));
}
TEST_CASE("gradcheck: transpose", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.transpose(0, 2) * 2.0; }, leaf({2, 3, 4})));
}
TEST_CASE("gradcheck: permute", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.permute({2, 0, 1}); }, leaf({2, 3, 4})));
}
TEST_CASE("gradcheck: squeeze", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.squeeze(); }, leaf({2, 1, 3})));
  REQUIRE(check1([](auto x) { return x.squeeze(1); }, leaf({2, 1, 3})));
}
TEST_CASE("gradcheck: unsqueeze", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.unsqueeze(-1) * x.unsqueeze(0); }, leaf({3})));
}
TEST_CASE("gradcheck: expand", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.expand({2, 3, 4}); }, leaf({3, 1})));
}
TEST_CASE("gradcheck: narrow", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.narrow(1, 1, 2); }, leaf({3, 4})));
}
TEST_CASE("gradcheck: select", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.select(0, -1) * x[0]; }, leaf({3, 4})));
}
TEST_CASE("gradcheck: slice", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return slice(x, 1, 1, None, 2); }, leaf({3, 6})));
  REQUIRE(check1([](auto x) { return slice(x, 0, None, None, -1); }, leaf({5})));
  REQUIRE(check1([](auto x) { return slice(x, 0, -2, 0, -2); }, leaf({7})));
}
TEST_CASE("gradcheck: contiguous", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.t().contiguous(); }, leaf({3, 4})));
}
TEST_CASE("gradcheck: clone", "[gradcheck]") {
  REQUIRE(check1([](auto x) { return x.clone() * x; }, leaf({3})));
}
TEST_CASE("gradcheck: astype", "[gradcheck]") {
  // float64 -> float32 -> float64 loses precision: compare loosely.
  auto f = [](const std::vector<Tensor>& in) { return (in[0].astype(kFloat32) * 2.0).astype(kFloat64); };
  autograd::GradcheckOptions loose;
  loose.eps = 1e-3;
  loose.atol = 1e-3;
  loose.rtol = 1e-2;
  REQUIRE(autograd::gradcheck(f, {leaf({4})}, loose));
}
