// Small helpers shared by the tests.
#pragma once
#include <nabla/nabla.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace testing {

// A float64 leaf that requires grad, normal(0, 1), from a fixed seed.
inline nabla::Tensor leaf(const nabla::Shape& shape, uint64_t seed = 1) {
  nabla::Generator g(seed);
  return nabla::randn(shape, g, nabla::TensorOptions(nabla::kFloat64)).requires_grad_();
}

// A float64 leaf in [lo, hi) (away from kinks and domain edges).
inline nabla::Tensor leaf_in(const nabla::Shape& shape, double lo, double hi, uint64_t seed = 1) {
  nabla::Generator g(seed);
  nabla::Tensor t = nabla::rand(shape, g, nabla::TensorOptions(nabla::kFloat64));
  nabla::Tensor u = (t * (hi - lo) + lo).detach();
  return u.requires_grad_();
}

// The values of any tensor as doubles, row-major (for comparing with lists).
inline std::vector<double> values(const nabla::Tensor& t) {
  nabla::Tensor c = t.detach().astype(nabla::kFloat64).contiguous();
  const double* p = c.data<double>();
  return std::vector<double>(p, p + c.numel());
}

// A committed fixture: tests/data/<path>.npy (written by a make_*_fixtures.py).
inline nabla::Tensor load_fixture(const std::string& path) {
  return nabla::load_npy(std::string(NABLA_TEST_DATA_DIR) + "/" + path + ".npy");
}

// Same shape and every element within tol (absolute, plus tol relative).
inline void require_close(const nabla::Tensor& actual, const nabla::Tensor& expected, double tol) {
  REQUIRE(actual.defined());
  REQUIRE(nabla::shape_str(actual.shape()) == nabla::shape_str(expected.shape()));
  std::vector<double> a = values(actual), e = values(expected);
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - e[i]) / (1 + std::abs(e[i])));
  INFO("largest difference " << worst);
  REQUIRE(worst <= tol);
}

// Shorthands for gradcheck / gradgradcheck of a one- or two-input function.
template <class F>
bool check1(F f, const nabla::Tensor& x, bool second_order = true) {
  auto fn = [f](const std::vector<nabla::Tensor>& in) { return f(in[0]); };
  bool ok = nabla::autograd::gradcheck(fn, {x});
  if (second_order) ok = ok && nabla::autograd::gradgradcheck(fn, {x});
  return ok;
}
template <class F>
bool check2(F f, const nabla::Tensor& a, const nabla::Tensor& b, bool second_order = true) {
  auto fn = [f](const std::vector<nabla::Tensor>& in) { return f(in[0], in[1]); };
  bool ok = nabla::autograd::gradcheck(fn, {a, b});
  if (second_order) ok = ok && nabla::autograd::gradgradcheck(fn, {a, b});
  return ok;
}

}  // namespace testing
