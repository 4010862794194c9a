// Anomaly detection names the op that made the first NaN/Inf, forward and backward.
#include <catch2/catch.hpp>

#include <limits>

#include "helpers.h"

using namespace nabla;
using Catch::Contains;

TEST_CASE("anomaly: off by default, NaNs flow silently", "[autograd][anomaly]") {
  CHECK_FALSE(autograd::detect_anomaly());
  Tensor x = tensor({1.0, -1.0, 2.0}).requires_grad_();
  Tensor y = log(x) * 2.0;
  CHECK(std::isnan(y.index({1}).item()));
}

TEST_CASE("anomaly: the forward op that made the first NaN is named", "[autograd][anomaly]") {
  autograd::DetectAnomalyGuard guard;
  Tensor x = tensor({1.0, -1.0, 2.0}).requires_grad_();
  Tensor ok = exp(x) + 1.0;  // finite: passes
  CHECK_THROWS_WITH(log(x) * 2.0,
                    Contains("anomaly: log produced nan in its output (shape (3,), first at index (1,))"));
  // Also when nothing requires grad (the op is not recorded but still checked).
  CHECK_THROWS_WITH(div(tensor({1.0, 0.0}), tensor({0.0, 1.0})), Contains("div produced inf"));
  (void)ok;
}

TEST_CASE("anomaly: the backward that made the first non-finite gradient is named", "[autograd][anomaly]") {
  // sqrt(0) is finite but its gradient 1/(2 sqrt(0)) is inf.
  Tensor x = tensor({4.0, 0.0}).requires_grad_();
  Tensor y = sqrt(x).sum();
  autograd::DetectAnomalyGuard guard;
  // Its closure computes 0.5·rsqrt(x)·dy: the rsqrt inside it is caught
  // first, and the message says whose backward it was.
  CHECK_THROWS_WITH(y.backward(), Contains("rsqrt produced inf") && Contains("while running the backward of sqrt"));
}

TEST_CASE("anomaly: the guard restores the previous mode", "[autograd][anomaly]") {
  {
    autograd::DetectAnomalyGuard guard;
    CHECK(autograd::detect_anomaly());
  }
  CHECK_FALSE(autograd::detect_anomaly());
}

TEST_CASE("anomaly: a custom op's closure returning inf is named by the engine", "[autograd][anomaly]") {
  Tensor x = ones({2}).requires_grad_();
  Tensor y = autograd::record("my_op", (x * 1.0).detach(), {x}, {}, [](const Tensor& dy) {
    return autograd::Grads{full(dy.shape(), std::numeric_limits<double>::infinity())};
  });
  autograd::DetectAnomalyGuard guard;
  CHECK_THROWS_WITH(y.sum().backward(), Contains("anomaly: my_op produced inf in its backward's gradient for input 0"));
}
