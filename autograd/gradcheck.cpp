#include "gradcheck.h"

#include <cmath>

#include "../tensor/creation.h"
#include "engine.h"
#include "grad_mode.h"
#include "ops/arithmetic.h"
#include "ops/join.h"
#include "ops/reduce.h"

namespace nabla::autograd {

namespace {

void check_inputs(const std::vector<Tensor>& inputs, const char* op) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    NABLA_CHECK(inputs[i].defined(), op, "input ", i, " is undefined");
    NABLA_CHECK(inputs[i].dtype() == kFloat64, op, "input ", i, " is ", dtype_name(inputs[i].dtype()),
                "; finite differences need float64 inputs");
    NABLA_CHECK(inputs[i].device().is_cpu(), op, "input ", i, " must be on the CPU");
  }
}

// The output of f as a flat float64 vector, computed without recording.
std::vector<double> evaluate(const TestFunction& f, const std::vector<Tensor>& inputs) {
  NoGradGuard guard;
  Tensor y = f(inputs).astype(kFloat64).contiguous();
  const double* p = y.data<double>();
  return std::vector<double>(p, p + y.numel());
}

}  // namespace

bool gradcheck(const TestFunction& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opts) {
  check_inputs(inputs, "gradcheck");
  // Work on private contiguous leaf copies so perturbing them is safe.
  std::vector<Tensor> xs;
  for (const Tensor& x : inputs) {
    Tensor c = x.detach().clone();
    if (x.requires_grad()) c.requires_grad_(true);
    xs.push_back(c);
  }
  Tensor y;
  {
    EnableGradGuard guard;
    y = f(xs);
  }
  NABLA_CHECK(y.defined(), "gradcheck", "the function returned an undefined tensor");
  const int64_t ny = y.numel();
  // Analytical Jacobian J[w][r * n_w + j] = d y_r / d x_w[j], one backward per
  // output element r (an input the output does not reach keeps zeros).
  std::vector<size_t> wrt_index;
  std::vector<Tensor> wrt;
  for (size_t i = 0; i < xs.size(); ++i)
    if (xs[i].requires_grad()) {
      wrt.push_back(xs[i]);
      wrt_index.push_back(i);
    }
  NABLA_CHECK(!wrt.empty(), "gradcheck", "no input requires grad");
  std::vector<std::vector<double>> jacobian(wrt.size());
  for (size_t w = 0; w < wrt.size(); ++w) jacobian[w].assign(static_cast<size_t>(ny * wrt[w].numel()), 0.0);
  // An output that does not depend on the inputs has a zero Jacobian (e.g.
  // the second derivative of a linear op).
  for (int64_t r = 0; r < ny && y.requires_grad(); ++r) {
    Tensor seed = zeros(y.shape(), TensorOptions(y.dtype()));
    {
      NoGradGuard guard;
      seed.reshape({ny}).select(0, r).fill_(1.0);
    }
    std::vector<Tensor> row = grad({y}, wrt, {seed}, /*retain_graph=*/true, /*create_graph=*/false,
                                   /*allow_unused=*/true);
    for (size_t w = 0; w < wrt.size(); ++w) {
      if (!row[w].defined()) continue;
      Tensor g = row[w].astype(kFloat64).contiguous();
      std::copy(g.data<double>(), g.data<double>() + g.numel(), jacobian[w].begin() + r * g.numel());
    }
  }
  // Numerical Jacobian, one column per input element, compared as it comes.
  for (size_t w = 0; w < wrt.size(); ++w) {
    Tensor x = wrt[w];
    const int64_t n = x.numel();
    double* p = x.data<double>();
    for (int64_t j = 0; j < n; ++j) {
      const double orig = p[j];
      p[j] = orig + opts.eps;
      std::vector<double> plus = evaluate(f, xs);
      p[j] = orig - opts.eps;
      std::vector<double> minus = evaluate(f, xs);
      p[j] = orig;
      for (int64_t r = 0; r < ny; ++r) {
        const double numerical = (plus[r] - minus[r]) / (2 * opts.eps);
        const double analytical = jacobian[w][r * n + j];
        NABLA_CHECK(std::abs(analytical - numerical) <= opts.atol + opts.rtol * std::abs(numerical), "gradcheck",
                    "Jacobian mismatch for input ", wrt_index[w], " (shape ", shape_str(x.shape()), "), element ", j,
                    ", output element ", r, ": analytical ", analytical, " vs numerical ", numerical);
      }
    }
  }
  return true;
}

bool gradgradcheck(const TestFunction& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opts) {
  check_inputs(inputs, "gradgradcheck");
  // As PyTorch does: the output weighting v becomes one more input, and the
  // checked function is (inputs, v) -> the first gradients v^T J, flattened
  // and joined. Its Jacobian in v tests the backward itself (it must be
  // linear in dy); its Jacobian in the inputs tests the backward's backward.
  Tensor y0;
  {
    NoGradGuard guard;
    y0 = f(inputs);
  }
  Generator gen(1234);
  Tensor v = (rand(y0.shape(), gen, TensorOptions(kFloat64)) + 0.5).requires_grad_();
  const size_t n = inputs.size();
  TestFunction first_grads = [f, n](const std::vector<Tensor>& xs_and_v) {
    EnableGradGuard guard;  // the first gradients are needed even when evaluated for finite differences
    std::vector<Tensor> xs(xs_and_v.begin(), xs_and_v.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<Tensor> wrt;
    for (const Tensor& x : xs)
      if (x.requires_grad()) wrt.push_back(x);
    Tensor y = f(xs);
    std::vector<Tensor> gs = grad({y}, wrt, {xs_and_v[n]}, /*retain_graph=*/true, /*create_graph=*/true,
                                  /*allow_unused=*/true);
    std::vector<Tensor> flat;
    for (size_t i = 0; i < gs.size(); ++i)
      flat.push_back(gs[i].defined() ? gs[i].reshape({gs[i].numel()}) : zeros({wrt[i].numel()}, kFloat64));
    return cat(flat, 0);
  };
  std::vector<Tensor> all = inputs;
  all.push_back(v);
  return gradcheck(first_grads, all, opts);
}

}  // namespace nabla::autograd
