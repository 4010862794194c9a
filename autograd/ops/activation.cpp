#include "activation.h"

#include <cmath>
#include <utility>

#include "../../tensor/creation.h"
#include "../record.h"
#include "arithmetic.h"
#include "compare.h"
#include "forward.h"
#include "reduce.h"
#include "unary.h"

namespace nabla {

using autograd::Grads;
using autograd::record;

// A primitive for speed: one pass forward, one pass backward.
// Its backward, where_positive(dy, x) = dy·[x > 0], is itself differentiable
// in dy (the same gate) and has zero derivative in x.
Tensor where_positive(const Tensor& dy, const Tensor& x) {
  Tensor g = detail::binary_forward(kernels::BinaryOp::WherePositive, dy, x);
  return record("where_positive", g, {dy}, {x}, [x](const Tensor& ddg) { return Grads{where_positive(ddg, x)}; });
}

Tensor where_positive(Tensor&& dy, const Tensor& x) {
  if (autograd::will_record({dy})) return where_positive(std::as_const(dy), x);
  return autograd::unrecorded("where_positive",
                              detail::binary_forward(kernels::BinaryOp::WherePositive, std::move(dy), x));
}

Tensor relu(const Tensor& x) {
  Tensor y = detail::unary_forward(kernels::UnaryOp::Relu, x);
  return record("relu", y, {x}, {x}, [x](Tensor dy) { return Grads{where_positive(std::move(dy), x)}; });
}

Tensor leaky_relu(const Tensor& x, double negative_slope) { return where(x > 0.0, x, x * negative_slope); }

Tensor elu(const Tensor& x, double alpha) { return where(x > 0.0, x, expm1(x) * alpha); }

Tensor gelu(const Tensor& x) { return 0.5 * x * (1.0 + erf(x * M_SQRT1_2)); }

Tensor gelu_tanh(const Tensor& x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * x * x * x)));
}

Tensor silu(const Tensor& x) { return x * sigmoid(x); }

// m = max(x, 0) held constant: log(e^-m + e^(x-m)) never overflows, and its
// gradient is exactly σ(x) everywhere - also at x = 0, where the textbook
// max(x,0) + log1p(e^-|x|) gives 0 (both kinks' one-sided choices are 0).
Tensor softplus(const Tensor& x) {
  Tensor m = relu(x).detach();
  return m + log(exp(-m) + exp(x - m));
}

Tensor log_softmax(const Tensor& x, int64_t axis) { return x - logsumexp(x, {axis}, true); }

Tensor softmax(const Tensor& x, int64_t axis) { return exp(log_softmax(x, axis)); }

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  NABLA_CHECK(p >= 0.0 && p <= 1.0, "dropout", "p must be in [0, 1], got ", p);
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;
  Tensor u = rand(x.shape(), gen, TensorOptions(is_floating(x.dtype()) ? x.dtype() : kFloat32, x.device()));
  Tensor keep = (u >= p).to(u.dtype()) * (1.0 / (1.0 - p));
  return x * keep;  // the mask is a constant: gradient dy·mask/(1-p)
}

}  // namespace nabla
