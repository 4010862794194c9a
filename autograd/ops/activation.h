// Activations, softmax and dropout. Only relu is a primitive (it is the
// hottest); the rest are compositions, so their gradients need no code.
//
//   relu(x)        = max(x, 0)                d/dx = [x > 0]
//   leaky_relu(x)  = x if x > 0 else a·x
//   elu(x)         = x if x > 0 else a(eˣ - 1)
//   gelu(x)        = x Φ(x) = ½x(1 + erf(x/√2))               (exact form)
//   gelu_tanh(x)   = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))     (tanh form)
//   silu(x)        = x σ(x)
//   softplus(x)    = log(1 + eˣ), computed as m + log(e^-m + e^(x-m)) with
//                    m = max(x, 0) held constant, so it never overflows and
//                    its gradient is σ(x) everywhere (x = 0 included)
//   log_softmax(x) = x - logsumexp(x)  along `axis`
//   softmax(x)     = exp(log_softmax(x))
//   dropout(x, p)  = x · mask / (1 - p), mask ~ Bernoulli(1 - p) drawn from
//                    `gen` (seeded); identity when !training or p == 0.
#pragma once
#include "../../tensor/generator.h"
#include "../../tensor/tensor.h"

namespace nabla {

Tensor relu(const Tensor& x);
// dy·[x > 0]: relu's backward (also for fused layers that end in a relu;
// x may be the relu's output, which is positive exactly where its input is).
Tensor where_positive(const Tensor& dy, const Tensor& x);
Tensor where_positive(Tensor&& dy, const Tensor& x);  // dy's buffer may take the result (mul's rvalue overload)
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor gelu(const Tensor& x);
Tensor gelu_tanh(const Tensor& x);
Tensor silu(const Tensor& x);
Tensor softplus(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);
Tensor dropout(const Tensor& x, double p, bool training = true, Generator& gen = default_generator());

}  // namespace nabla
