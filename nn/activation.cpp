#include "activation.h"

#include "../autograd/ops/activation.h"
#include "../autograd/ops/unary.h"

namespace nabla::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }

Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + std::to_string(negative_slope); }

Tensor ELU::forward(const Tensor& x) { return elu(x, alpha); }
std::string ELU::extra_repr() const { return "alpha=" + std::to_string(alpha); }

GELU::GELU(std::string approximate_) : Module("GELU"), approximate(std::move(approximate_)) {
  NABLA_CHECK(approximate == "none" || approximate == "tanh", "GELU", "approximate must be 'none' or 'tanh', got '",
              approximate, "'");
}
Tensor GELU::forward(const Tensor& x) { return approximate == "tanh" ? gelu_tanh(x) : gelu(x); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }

Tensor SiLU::forward(const Tensor& x) { return silu(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Softplus::forward(const Tensor& x) { return softplus(x); }

Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim); }
std::string Softmax::extra_repr() const { return "dim=" + std::to_string(dim); }

Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, dim); }
std::string LogSoftmax::extra_repr() const { return "dim=" + std::to_string(dim); }

Dropout::Dropout(double p_, Generator& gen) : Module("Dropout"), p(p_), gen_(&gen) {
  NABLA_CHECK(p >= 0.0 && p <= 1.0, "Dropout", "p must be in [0, 1], got ", p);
}
Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), *gen_); }
std::string Dropout::extra_repr() const { return "p=" + std::to_string(p); }

}  // namespace nabla::nn
