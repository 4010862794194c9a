#include "init.h"

#include <Eigen/Dense>
#include <cmath>

#include "../autograd/grad_mode.h"
#include "../tensor/creation.h"

namespace nabla::nn::init {

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t) {
  NABLA_CHECK(t.ndim() >= 2, "fan_in_and_fan_out", "needs a tensor with at least 2 dims, got shape ",
              shape_str(t.shape()));
  int64_t receptive = 1;
  for (int64_t i = 2; i < t.ndim(); ++i) receptive *= t.shape()[i];
  return {t.shape()[1] * receptive, t.shape()[0] * receptive};
}

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.rfind("conv", 0) == 0) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  NABLA_CHECK(false, "calculate_gain", "unknown nonlinearity '", nonlinearity,
              "' (expected linear, conv1d, conv2d, sigmoid, tanh, relu, leaky_relu or selu)");
  return 0.0;
}

// Initialisers write into parameters, which require grad: no autograd here.
Tensor uniform_(Tensor t, double low, double high, Generator& gen) {
  NoGradGuard no_grad;
  nabla::uniform_(t, low, high, gen);
  t.bump_version();
  return t;
}

Tensor normal_(Tensor t, double mean, double stddev, Generator& gen) {
  NoGradGuard no_grad;
  nabla::normal_(t, mean, stddev, gen);
  t.bump_version();
  return t;
}

Tensor constant_(Tensor t, double value) {
  NoGradGuard no_grad;
  t.fill_(value);
  return t;
}
Tensor zeros_(Tensor t) { return constant_(t, 0.0); }
Tensor ones_(Tensor t) { return constant_(t, 1.0); }

Tensor xavier_uniform_(Tensor t, double gain, Generator& gen) {
  auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return init::uniform_(t, -bound, bound, gen);
}

Tensor xavier_normal_(Tensor t, double gain, Generator& gen) {
  auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  return init::normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), gen);
}

namespace {
double kaiming_std(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity) {
  auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  int64_t fan = mode == FanMode::FanIn ? fan_in : fan_out;
  NABLA_CHECK(fan > 0, "kaiming init", "tensor of shape ", shape_str(t.shape()), " has a zero fan");
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
}
}  // namespace

Tensor kaiming_uniform_(Tensor t, double a, FanMode mode, const std::string& nonlinearity, Generator& gen) {
  double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  return init::uniform_(t, -bound, bound, gen);
}

Tensor kaiming_normal_(Tensor t, double a, FanMode mode, const std::string& nonlinearity, Generator& gen) {
  return init::normal_(t, 0.0, kaiming_std(t, a, mode, nonlinearity), gen);
}

Tensor orthogonal_(Tensor t, double gain, Generator& gen) {
  NABLA_CHECK(t.ndim() >= 2, "orthogonal_", "needs a tensor with at least 2 dims, got shape ", shape_str(t.shape()));
  NABLA_CHECK(t.is_contiguous(), "orthogonal_", "needs a contiguous tensor");
  const int64_t rows = t.shape()[0], cols = t.numel() / rows;
  // QR of the taller orientation, so Q has orthonormal columns; the signs of
  // R's diagonal fix Q's column signs, which makes Q uniform (Haar) rather
  // than biased by the QR algorithm's sign choices.
  const bool wide = rows < cols;
  const int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  Tensor a = randn({m, n}, gen, TensorOptions(kFloat64));
  Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> A(a.data<double>(), m, n);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(A);
  Eigen::MatrixXd Q = qr.householderQ() * Eigen::MatrixXd::Identity(m, n);
  Eigen::MatrixXd R = qr.matrixQR().topRows(n).triangularView<Eigen::Upper>();
  for (int64_t j = 0; j < n; ++j)
    if (R(j, j) < 0) Q.col(j) *= -1.0;
  Tensor q = empty({rows, cols}, TensorOptions(kFloat64));
  double* out = q.data<double>();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = gain * (wide ? Q(j, i) : Q(i, j));
  NoGradGuard no_grad;
  t.copy_(q.reshape(t.shape()));
  return t;
}

void default_linear_init_(Tensor weight, Tensor bias, Generator& gen) {
  auto [fan_in, fan_out] = fan_in_and_fan_out(weight);
  double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  init::uniform_(weight, -bound, bound, gen);
  if (bias.defined()) init::uniform_(bias, -bound, bound, gen);
}

}  // namespace nabla::nn::init
