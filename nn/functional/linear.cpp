#include "linear.h"

#include "../../autograd/ops/activation.h"
#include "../../autograd/ops/matmul.h"
#include "../../autograd/ops/reduce.h"
#include "../../autograd/ops/unary.h"
#include "../../autograd/record.h"
#include "../../kernels/kernels.h"
#include "../../tensor/kernel_view.h"

namespace nabla::nn::functional {

using autograd::Grads;
using autograd::record;

const char* activation_name(Activation act) {
  switch (act) {
    case Activation::None:
      return "none";
    case Activation::ReLU:
      return "relu";
    case Activation::Tanh:
      return "tanh";
    case Activation::Sigmoid:
      return "sigmoid";
    case Activation::GELU:
      return "gelu";
    case Activation::SiLU:
      return "silu";
  }
  return "?";
}

Tensor apply_activation(const Tensor& x, Activation act) {
  switch (act) {
    case Activation::None:
      return x;
    case Activation::ReLU:
      return relu(x);
    case Activation::Tanh:
      return tanh(x);
    case Activation::Sigmoid:
      return sigmoid(x);
    case Activation::GELU:
      return gelu(x);
    case Activation::SiLU:
      return silu(x);
  }
  return x;
}

namespace {

void check_linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  NABLA_CHECK(x.defined() && w.defined(), "linear", "input and weight must be defined tensors");
  NABLA_CHECK(w.ndim() == 2, "linear", "weight must be 2-D [out_features, in_features], got ", shape_str(w.shape()));
  NABLA_CHECK(x.ndim() >= 1 && x.size(-1) == w.size(1), "linear", "input ", shape_str(x.shape()),
              " does not end in in_features = ", w.size(1), " (weight ", shape_str(w.shape()), ")");
  NABLA_CHECK(is_floating(x.dtype()) && x.dtype() == w.dtype(), "linear",
              "input and weight need one floating dtype, got ", dtype_name(x.dtype()), " and ", dtype_name(w.dtype()));
  NABLA_CHECK(x.device() == w.device(), "linear", "input is on ", x.device().str(), ", weight on ", w.device().str());
  if (!b.defined()) return;
  NABLA_CHECK(b.ndim() == 1 && b.size(0) == w.size(0), "linear", "bias must be [", w.size(0), "], got ",
              shape_str(b.shape()));
  NABLA_CHECK(b.dtype() == w.dtype() && b.device() == w.device(), "linear", "bias is ", dtype_name(b.dtype()), " on ",
              b.device().str(), ", weight ", dtype_name(w.dtype()), " on ", w.device().str());
}

// The fused primitive: y = x Wᵀ + b, then relu when `relu`.
Tensor linear_fused(const Tensor& x, const Tensor& w, const Tensor& b, bool relu) {
  const int64_t in = w.size(1), out = w.size(0);
  Tensor x2, y2;
  {
    NoGradGuard plumbing;  // reshapes of the forward are not part of the graph
    x2 = x.reshape({x.numel() / std::max<int64_t>(in, 1), in});
    y2 = empty({x2.size(0), out}, x.dtype(), x.device());
    int64_t dy[6], dx[6], dwt[6];  // y2 = x2 · wᵀ, wᵀ a transposed view: no copy
    kernels::matmul(detail::kview_matrix(y2, dy), detail::kview_matrix(x2, dx),
                    detail::kview_matrix(w, dwt, /*transposed=*/true));
    // bc must outlive bias_view: a View points into its tensor's data and shape.
    const Tensor bc = b.defined() ? b.contiguous() : Tensor();
    kernels::View bias_view{};
    if (bc.defined()) bias_view = detail::kview(bc);
    bias_view.device = y2.device();
    kernels::bias_act(detail::kview(y2), bias_view, relu);
  }
  Shape out_shape = x.shape();
  out_shape.back() = out;
  Tensor y = y2.view(out_shape);
  if (!GradMode::is_enabled()) return y;
  // Backward needs y only for relu's gate; y > 0 exactly where x Wᵀ + b > 0,
  // and the gate has zero derivative, so double backward stays exact.
  Tensor gate = relu ? y2.detach() : Tensor();
  // Only the gradients that are needed: the first layer's dx (the data's)
  // would be a whole extra GEMM.
  const bool need_dx = x.requires_grad(), need_dw = w.requires_grad(), need_db = b.defined() && b.requires_grad();
  // x is captured, not x2: x2 was made without recording, and the
  // reshape must be on the graph for double backward to reach x.
  return record("linear", y, {x, w, b}, {x, w, gate}, [x, w, gate, need_dx, need_dw, need_db](const Tensor& dy) {
    const int64_t in = w.size(1), out = w.size(0), rows = x.numel() / std::max<int64_t>(in, 1);
    Tensor dz = dy.reshape({rows, out});
    if (gate.defined()) dz = where_positive(dz, gate);
    Tensor dx = need_dx ? matmul(dz, w).reshape(x.shape()) : Tensor();
    // dW = dzᵀ·x, unless an optimizer stepping in backward takes it as that
    // product (autograd::consume_product) and never needs it stored.
    Tensor dw;
    if (need_dw) {
      Tensor dzt = dz.t(), x2 = x.reshape({rows, in});
      if (!autograd::consume_product(1, dzt, x2)) dw = matmul(dzt, x2);
    }
    Tensor db = need_db ? sum(dz, {0}) : Tensor();
    return Grads{dx, dw, db};
  });
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Activation act) {
  check_linear(x, weight, bias);
  if (act == Activation::None || act == Activation::ReLU) return linear_fused(x, weight, bias, act == Activation::ReLU);
  return apply_activation(linear_fused(x, weight, bias, false), act);
}

}  // namespace nabla::nn::functional
