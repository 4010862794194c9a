// Loading the PyTorch fixtures of tests/data/make_conv_fixtures.py and
// comparing against them (shared by test_conv.cpp and test_pool.cpp).
#pragma once
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <string>

#include "helpers.h"

namespace testing {

// tests/data/nn/<family>/<name>.npy, or an undefined tensor when absent
// (a case without bias has no "_b" file).
inline nabla::Tensor fixture(const std::string& family, const std::string& name) {
  const std::string path = std::string(NABLA_TEST_DATA_DIR) + "/nn/" + family + "/" + name + ".npy";
  if (!std::ifstream(path).good()) return nabla::Tensor();
  return nabla::load_npy(path);
}

// Largest |a - b| after checking shapes (both converted to float64).
inline double max_abs_diff(const nabla::Tensor& a, const nabla::Tensor& b) {
  REQUIRE(a.defined());
  REQUIRE(b.defined());
  INFO("shapes " << nabla::shape_str(a.shape()) << " vs " << nabla::shape_str(b.shape()));
  REQUIRE(a.shape() == b.shape());
  std::vector<double> va = values(a), vb = values(b);
  double m = 0;
  for (size_t i = 0; i < va.size(); ++i) m = std::max(m, std::abs(va[i] - vb[i]));
  return m;
}

// One fixture case: float64 leaves for its inputs (x, w, b when present),
// y = f(x, w, b) compared with the saved y, then the gradients of
// sum(y * dy) compared with the saved dx, dw, db.
template <class F>
void check_against_torch(const std::string& family, const std::string& name, F f, double tol = 1e-10) {
  INFO("fixture " << family << "/" << name);
  nabla::Tensor x = fixture(family, name + "_x"), w = fixture(family, name + "_w"), b = fixture(family, name + "_b");
  REQUIRE(x.defined());
  for (nabla::Tensor* t : {&x, &w, &b})
    if (t->defined()) t->requires_grad_();
  nabla::Tensor y = f(x, w, b);
  CHECK(max_abs_diff(y, fixture(family, name + "_y")) < tol);
  (y * fixture(family, name + "_dy")).sum().backward();
  CHECK(max_abs_diff(x.grad(), fixture(family, name + "_dx")) < tol);
  if (w.defined()) CHECK(max_abs_diff(w.grad(), fixture(family, name + "_dw")) < tol);
  if (b.defined()) CHECK(max_abs_diff(b.grad(), fixture(family, name + "_db")) < tol);
}

}  // namespace testing
