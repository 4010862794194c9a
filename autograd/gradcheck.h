// Finite-difference checks of gradients, for the library's ops and users' own.
//
// gradcheck(f, inputs): f maps the inputs (float64 tensors that require grad)
// to one output tensor. For every input element x_j it compares the
// analytical Jacobian column (by backward) with central differences
//   (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)
// and passes when |analytical - numerical| <= atol + rtol |numerical|.
//
// gradgradcheck(f, inputs): the same check applied to the function
//   inputs -> (dL/dinputs) with L = sum(f(inputs) * v) for a fixed random v,
// i.e. it checks that the backward pass is itself correctly differentiable
// (what create_graph relies on).
//
// Both throw nabla::Error describing the first mismatch (which input,
// which element, both values) and return true otherwise.
#pragma once
#include <functional>
#include <vector>

#include "../tensor/tensor.h"

namespace nabla::autograd {

using TestFunction = std::function<Tensor(const std::vector<Tensor>&)>;

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

bool gradcheck(const TestFunction& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opts = {});
bool gradgradcheck(const TestFunction& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opts = {});

}  // namespace nabla::autograd
