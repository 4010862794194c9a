// Forward and backward through the differentiable ops on the GPU against the
// CPU: y = f(x) on both devices, y.sum().backward(), then values and every
// input's gradient compared. Leaves are made on each device from the same
// values (Tensor::to is not recorded by autograd).
#include <functional>

#include "cuda_helpers.h"

using namespace nabla;
using cuda_testing::gpu;
using cuda_testing::leaf_pair;
using cuda_testing::require_twin;

namespace {

using Unary = std::function<Tensor(const Tensor&)>;
using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;

void check_grad1(const char* name, const Unary& f, const Tensor& values) {
  INFO(name << " " << dtype_name(values.dtype()));
  auto x = leaf_pair(values);
  Tensor yc = f(x.on_cpu), yg = f(x.on_gpu);
  require_twin(yg, yc);
  sum(yc).backward();
  sum(yg).backward();
  require_twin(x.on_gpu.grad(), x.on_cpu.grad());
}

void check_grad2(const char* name, const Binary& f, const Tensor& va, const Tensor& vb) {
  INFO(name << " " << dtype_name(va.dtype()));
  auto a = leaf_pair(va), b = leaf_pair(vb);
  Tensor yc = f(a.on_cpu, b.on_cpu), yg = f(a.on_gpu, b.on_gpu);
  require_twin(yg, yc);
  sum(yc).backward();
  sum(yg).backward();
  require_twin(a.on_gpu.grad(), a.on_cpu.grad());
  require_twin(b.on_gpu.grad(), b.on_cpu.grad());
}

}  // namespace

TEST_CASE("cuda: unary and activation ops, forward and backward", "[cuda][autograd]") {
  const std::vector<std::pair<const char*, Unary>> ops = {
      {"exp", [](const Tensor& x) { return exp(x); }},
      {"log", [](const Tensor& x) { return log(abs(x) + 0.5); }},
      {"sqrt", [](const Tensor& x) { return sqrt(abs(x) + 0.1); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"relu", [](const Tensor& x) { return relu(x); }},
      {"gelu", [](const Tensor& x) { return gelu(x); }},
      {"silu", [](const Tensor& x) { return silu(x); }},
      {"softplus", [](const Tensor& x) { return softplus(x); }},
      {"elu", [](const Tensor& x) { return elu(x); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.1); }},
      {"sin*cos", [](const Tensor& x) { return sin(x) * cos(x); }},
      {"erf", [](const Tensor& x) { return erf(x); }},
      {"softmax", [](const Tensor& x) { return softmax(x, 1) * x; }},
      {"log_softmax", [](const Tensor& x) { return log_softmax(x, 2) * x; }},
      {"clip", [](const Tensor& x) { return clip(x, -0.5, 0.5) * x; }},
      {"transpose+reshape",
       [](const Tensor& x) {
         return square(x.transpose(0, 2).reshape({5, 91}));
       }},
      {"slice", [](const Tensor& x) { return square(slice(x, 1, 1, std::nullopt, 3)); }},
      {"expand",
       [](const Tensor& x) {
         return square(x.select(1, 2).unsqueeze(1).expand({7, 4, 5}));
       }},
      {"pad+cat",
       [](const Tensor& x) {
         return square(cat({pad(x, {0, 0, 1, 1, 2, 0}), x}, 0));
       }},
      {"max", [](const Tensor& x) { return max(x, {1}); }},
      {"mean+var", [](const Tensor& x) { return mean(x, {0}) * var(x, {0}); }},
      {"logsumexp", [](const Tensor& x) { return logsumexp(x, {2}); }},
      {"prod", [](const Tensor& x) { return prod(x, {2}); }},
      {"pow", [](const Tensor& x) { return pow(abs(x) + 0.5, 2.5); }},
  };
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor values = cuda_testing::uniform({7, 13, 5}, dtype, -2, 2, 101);
    for (const auto& [name, f] : ops) check_grad1(name, f, values);
  }
}

TEST_CASE("cuda: binary ops with broadcasting, forward and backward", "[cuda][autograd]") {
  const std::vector<std::pair<const char*, Binary>> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; }},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / (abs(b) + 0.5); }},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(abs(a) + 0.5, b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }},
      {"where", [](const Tensor& a, const Tensor& b) { return where(gt(a, b), a * b, a - b); }},
      {"matmul", [](const Tensor& a, const Tensor& b) { return matmul(a.transpose(1, 2), b.transpose(0, 1)); }},
  };
  for (DType dtype : {kFloat64}) {  // float32 would only add cuBLAS rounding to the comparison
    Tensor a = cuda_testing::uniform({7, 13, 5}, dtype, -2, 2, 102);
    Tensor b = cuda_testing::uniform({13, 1}, dtype, -2, 2, 103);
    for (const auto& [name, f] : ops) {
      if (std::string(name) == "matmul")
        check_grad2(name, f, a, cuda_testing::uniform({13, 3}, dtype, -2, 2, 104).reshape({1, 13, 3}));
      else
        check_grad2(name, f, a, b);
    }
  }
}

TEST_CASE("cuda: second order gradients", "[cuda][autograd]") {
  auto x = leaf_pair(cuda_testing::uniform({5, 7}, kFloat64, -1, 1, 105));
  auto grad_norm = [](const Tensor& t) {
    Tensor y = sum(tanh(matmul(t, t.t())));
    Tensor g = autograd::grad({y}, {t}, {}, true, true)[0];
    return sum(square(g));
  };
  Tensor gc = grad_norm(x.on_cpu), gg = grad_norm(x.on_gpu);
  require_twin(gg, gc);
  gc.backward();
  gg.backward();
  require_twin(x.on_gpu.grad(), x.on_cpu.grad());
}

// mul's backward adds dy·a straight into a leaf's existing .grad
// (autograd::accumulate_product, kernels::add_product_dense): from the second
// backward on, on odd sizes below and above the CPU's tiny and threaded
// thresholds.
TEST_CASE("cuda: a product gradient added into a leaf's .grad matches the CPU", "[cuda][autograd]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    for (int64_t n : {5, 1003, 40001}) {
      INFO(dtype_name(dtype) << " n = " << n);
      auto w = leaf_pair(cuda_testing::uniform({n}, dtype, -2, 2, 106));
      const Tensor a = cuda_testing::uniform({n}, dtype, -2, 2, 107), s = cuda_testing::uniform({n}, dtype, -1, 1, 108);
      for (int step = 0; step < 3; ++step) {
        (a * w.on_cpu * w.on_cpu * s).sum().backward();
        (a.to(gpu()) * w.on_gpu * w.on_gpu * s.to(gpu())).sum().backward();
      }
      require_twin(w.on_gpu.grad(), w.on_cpu.grad());
    }
  }
}
