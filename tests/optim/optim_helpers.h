// Shared by the optim tests: the PyTorch fixtures (tests/data/optim/, made by
// tests/data/make_optim_fixtures.py) and the small MLP they train.
#pragma once
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "../helpers.h"

namespace optim_testing {

inline nabla::Tensor fixture(const std::string& name) { return testing::load_fixture("optim/" + name); }

// A 5-7-3 MLP with tanh and an MSE loss, built from raw leaves (no nn
// layers): loss = mean((tanh(x·w1 + b1)·w2 + b2 − y)²), 16 fixed samples.
struct Mlp {
  std::vector<nabla::Tensor> params;  // w1 [5,7], b1 [7], w2 [7,3], b2 [3]
  nabla::Tensor x, y;

  explicit Mlp(nabla::DType dtype = nabla::kFloat32) {
    for (int i = 0; i < 4; ++i)
      params.push_back(fixture("problem_param" + std::to_string(i)).astype(dtype).requires_grad_());
    x = fixture("problem_x").astype(dtype);
    y = fixture("problem_y").astype(dtype);
  }
  nabla::Tensor loss() const {
    nabla::Tensor h = nabla::tanh(nabla::matmul(x, params[0]) + params[1]);
    return nabla::mean(nabla::square(nabla::matmul(h, params[2]) + params[3] - y));
  }
  // One forward/backward: fresh .grad on every parameter.
  void compute_grads() const {
    for (const nabla::Tensor& p : params) p.zero_grad();
    loss().backward();
  }
  // Every parameter's values, concatenated (as the fixtures store them).
  std::vector<double> flat() const {
    std::vector<double> out;
    for (const nabla::Tensor& p : params) {
      std::vector<double> v = testing::values(p);
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  }
};

// Largest |a - b| / max(|b|, floor): relative error, with an absolute floor
// for values near zero (where float32 rounding is relatively large).
inline double max_rel_error(const std::vector<double>& a, const std::vector<double>& b, double floor) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double scale = std::abs(b[i]) > floor ? std::abs(b[i]) : floor;
    worst = std::max(worst, std::abs(a[i] - b[i]) / scale);
  }
  return worst;
}

inline double max_abs_error(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

}  // namespace optim_testing
