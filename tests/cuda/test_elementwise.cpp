// Elementwise kernels on the GPU against the CPU: every unary and binary op
// of kernels/primitives.h, on odd sizes, contiguous and through transposed,
// stepped-slice and broadcast views; where, copy with dtype conversion, fill.
#include <functional>

#include "cuda_helpers.h"

using namespace nabla;
using cuda_testing::cpu;
using cuda_testing::gpu;
using cuda_testing::require_twin;

namespace {

using Unary = std::function<Tensor(const Tensor&)>;
using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;

// The same views of x on either device: itself, a transpose, a stepped slice.
std::vector<Tensor> views_of(const Tensor& x) {
  return {x, x.transpose(0, 2), slice(slice(x, 0, 1, std::nullopt, 2), 2, std::nullopt, std::nullopt, 3)};
}

void check_unary(const char* name, const Unary& f, double lo, double hi) {
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor x = cuda_testing::uniform({7, 13, 5}, dtype, lo, hi, 11);
    const std::vector<Tensor> vc = views_of(x), vg = views_of(x.to(gpu()));
    for (size_t k = 0; k < vc.size(); ++k) {
      INFO(name << " " << dtype_name(dtype) << " view " << k);
      require_twin(f(vg[k]), f(vc[k]));
    }
  }
}

}  // namespace

TEST_CASE("cuda: unary ops match the CPU", "[cuda][elementwise]") {
  check_unary(
      "neg", [](const Tensor& x) { return neg(x); }, -3, 3);
  check_unary(
      "abs", [](const Tensor& x) { return abs(x); }, -3, 3);
  check_unary(
      "sign", [](const Tensor& x) { return sign(x); }, -3, 3);
  check_unary(
      "reciprocal", [](const Tensor& x) { return reciprocal(x); }, 0.5, 3);
  check_unary(
      "square", [](const Tensor& x) { return square(x); }, -3, 3);
  check_unary(
      "exp", [](const Tensor& x) { return exp(x); }, -5, 5);
  check_unary(
      "expm1", [](const Tensor& x) { return expm1(x); }, -2, 2);
  check_unary(
      "log", [](const Tensor& x) { return log(x); }, 0.01, 10);
  check_unary(
      "log1p", [](const Tensor& x) { return log1p(x); }, -0.5, 5);
  check_unary(
      "sqrt", [](const Tensor& x) { return sqrt(x); }, 0, 10);
  check_unary(
      "rsqrt", [](const Tensor& x) { return rsqrt(x); }, 0.1, 10);
  check_unary(
      "sin", [](const Tensor& x) { return sin(x); }, -7, 7);
  check_unary(
      "cos", [](const Tensor& x) { return cos(x); }, -7, 7);
  check_unary(
      "tanh", [](const Tensor& x) { return tanh(x); }, -4, 4);
  check_unary(
      "sigmoid", [](const Tensor& x) { return sigmoid(x); }, -8, 8);
  check_unary(
      "erf", [](const Tensor& x) { return erf(x); }, -3, 3);
  check_unary(
      "relu", [](const Tensor& x) { return relu(x); }, -3, 3);
  check_unary(
      "floor", [](const Tensor& x) { return floor(x); }, -5, 5);
  check_unary(
      "ceil", [](const Tensor& x) { return ceil(x); }, -5, 5);
  check_unary(
      "round", [](const Tensor& x) { return round(x); }, -5, 5);
  check_unary(
      "round half", [](const Tensor& x) { return round(x * 0.0 + 2.5); }, -5, 5);  // to even
}

TEST_CASE("cuda: unary ops on int64 and bool", "[cuda][elementwise]") {
  Tensor x = cuda_testing::uniform({7, 13, 5}, kFloat64, -20, 20, 12).astype(kInt64);
  Tensor xg = x.to(gpu());
  require_twin(neg(xg), neg(x));
  require_twin(abs(xg), abs(x));
  require_twin(sign(xg), sign(x));
  require_twin(square(xg), square(x));
  require_twin(relu(xg), relu(x));
  Tensor m = gt(x, 0.0);
  require_twin(logical_not(m.to(gpu())), logical_not(m));
  REQUIRE(exp(xg).dtype() == kFloat32);  // int64 is promoted first, as on the CPU
  require_twin(exp(xg), exp(x));
}

TEST_CASE("cuda: binary ops match the CPU, with broadcasting and views", "[cuda][elementwise]") {
  const std::vector<std::pair<const char*, Binary>> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; }},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(abs(a) + 0.1, b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }},
      {"where_positive", [](const Tensor& a, const Tensor& b) { return where_positive(a, b); }},
      {"eq", [](const Tensor& a, const Tensor& b) { return eq(round(a), round(b)); }},
      {"ne", [](const Tensor& a, const Tensor& b) { return ne(round(a), round(b)); }},
      {"lt", [](const Tensor& a, const Tensor& b) { return lt(a, b); }},
      {"le", [](const Tensor& a, const Tensor& b) { return le(a, b); }},
      {"gt", [](const Tensor& a, const Tensor& b) { return gt(a, b); }},
      {"ge", [](const Tensor& a, const Tensor& b) { return ge(a, b); }},
      {"logical_and", [](const Tensor& a, const Tensor& b) { return logical_and(gt(a, 0.0), gt(b, 0.0)); }},
      {"logical_or", [](const Tensor& a, const Tensor& b) { return logical_or(gt(a, 0.0), gt(b, 0.0)); }},
      {"logical_xor", [](const Tensor& a, const Tensor& b) { return logical_xor(gt(a, 0.0), gt(b, 0.0)); }},
  };
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor a = cuda_testing::uniform({7, 13, 5}, dtype, -2, 2, 21);
    Tensor b = cuda_testing::uniform({7, 13, 5}, dtype, 0.5, 2, 22);
    Tensor row = cuda_testing::uniform({13, 1}, dtype, 0.5, 2, 23);  // broadcast over axes 0 and 2
    Tensor s = scalar_tensor(1.5, TensorOptions(dtype));
    Tensor ag = a.to(gpu()), bg = b.to(gpu()), rowg = row.to(gpu()), sg = s.to(gpu());
    for (const auto& [name, f] : ops) {
      INFO(name << " " << dtype_name(dtype));
      require_twin(f(ag, bg), f(a, b));  // contiguous
      require_twin(f(ag.transpose(0, 2), bg.transpose(0, 2)), f(a.transpose(0, 2), b.transpose(0, 2)));
      require_twin(f(slice(ag, 1, 0, std::nullopt, 3), slice(bg, 1, 2, std::nullopt, 3)),
                   f(slice(a, 1, 0, std::nullopt, 3), slice(b, 1, 2, std::nullopt, 3)));  // stepped slices
      require_twin(f(ag, rowg), f(a, row));                                               // broadcast
      require_twin(f(rowg, ag.transpose(0, 1)), f(row, a.transpose(0, 1)));               // broadcast + transpose
      require_twin(f(ag, sg), f(a, s));                                                   // tensor (op) scalar
      require_twin(f(sg, bg), f(s, b));                                                   // scalar (op) tensor
    }
  }
}

TEST_CASE("cuda: binary ops on int64, NaN rules, and scalars", "[cuda][elementwise]") {
  Tensor a = cuda_testing::uniform({9, 7}, kFloat64, -6, 6, 31).astype(kInt64);
  Tensor b = cuda_testing::uniform({9, 7}, kFloat64, 1, 5, 32).astype(kInt64);
  Tensor ag = a.to(gpu()), bg = b.to(gpu());
  require_twin(ag + bg, a + b);
  require_twin(ag * bg, a * b);
  require_twin(ag - bg, a - b);
  require_twin(pow(ag, bg), pow(a, b));
  require_twin(maximum(ag, bg), maximum(a, b));
  require_twin(lt(ag, bg), lt(a, b));
  require_twin(ag * 3.0, a * 3.0);  // stays int64
  require_twin(ag * 0.5, a * 0.5);  // becomes float32
  Tensor n = tensor({1.0, NAN, -2.0, NAN, INFINITY});
  Tensor m = tensor({NAN, 0.0, 3.0, NAN, -INFINITY});
  require_twin(maximum(n.to(gpu()), m.to(gpu())), maximum(n, m));
  require_twin(minimum(n.to(gpu()), m.to(gpu())), minimum(n, m));
  require_twin(eq(n.to(gpu()), m.to(gpu())), eq(n, m));
  require_twin(isnan(n.to(gpu())), isnan(n));
  require_twin(isfinite(n.to(gpu())), isfinite(n));
}

TEST_CASE("cuda: where, fill, copy with dtype conversion", "[cuda][elementwise]") {
  Tensor c = gt(cuda_testing::uniform({7, 1, 5}, kFloat32, -1, 1, 41), 0.0);
  Tensor a = cuda_testing::uniform({7, 13, 5}, kFloat64, -1, 1, 42);
  Tensor b = cuda_testing::uniform({13, 5}, kFloat64, -1, 1, 43);
  require_twin(where(c.to(gpu()), a.to(gpu()), b.to(gpu())), where(c, a, b));
  require_twin(where(c.to(gpu()), a.to(gpu()).transpose(0, 2).transpose(0, 2), 2.0), where(c, a, 2.0));
  require_twin(masked_fill(a.to(gpu()), c.to(gpu()), -7.0), masked_fill(a, c, -7.0));
  for (DType to : {kFloat32, kFloat64, kInt64, kBool}) {
    for (DType from : {kFloat32, kFloat64, kInt64, kBool}) {
      INFO(dtype_name(from) << " -> " << dtype_name(to));
      Tensor x = (cuda_testing::uniform({7, 13, 5}, kFloat64, -4, 4, 44)).astype(from);
      require_twin(x.to(gpu()).astype(to), x.astype(to), 0.0);
      require_twin(x.to(gpu()).transpose(0, 1).astype(to), x.transpose(0, 1).astype(to), 0.0);
    }
    Tensor f = zeros({7, 13, 5}, TensorOptions(to, gpu()));
    f.fill_(3.0);
    require_twin(f, full({7, 13, 5}, 3.0, TensorOptions(to)), 0.0);
    Tensor v = zeros({7, 13, 5}, TensorOptions(to, gpu())).transpose(0, 1);
    v.fill_(1.0);
    require_twin(v.contiguous(), ones({13, 7, 5}, TensorOptions(to)), 0.0);
  }
  // Concatenation and padding are copies into views of one output.
  Tensor x = cuda_testing::uniform({3, 5}, kFloat32, -1, 1, 45), y = cuda_testing::uniform({4, 5}, kFloat32, -1, 1, 46);
  require_twin(cat({x.to(gpu()), y.to(gpu())}, 0), cat({x, y}, 0), 0.0);
  require_twin(stack({x.to(gpu()), x.to(gpu())}, 1), stack({x, x}, 1), 0.0);
  require_twin(pad(x.to(gpu()), {1, 2, 0, 3}, -1.0), pad(x, {1, 2, 0, 3}, -1.0), 0.0);
}
