// Linear (fused and composed activations), Sequential, MLP and init against
// PyTorch (tests/data/make_linear_fixtures.py) and finite differences.
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace nabla;
using nn::functional::Activation;

namespace {
Tensor fixture(const std::string& name) { return testing::load_fixture("nn/linear/" + name); }
void check_close(const Tensor& got, const Tensor& want, double tol = 1e-12) {
  REQUIRE(got.shape() == want.shape());
  CHECK(allclose(got.astype(kFloat64), want.astype(kFloat64), tol, tol));
}
}  // namespace

TEST_CASE("Linear: values and gradients match PyTorch, fused and composed", "[nn][linear]") {
  const std::vector<std::pair<std::string, Activation>> cases = {
      {"none", Activation::None}, {"relu", Activation::ReLU}, {"tanh", Activation::Tanh}, {"gelu", Activation::GELU}};
  for (auto& [name, act] : cases) {
    SECTION(name) {
      nn::Linear lin(5, 4, true, act);
      lin.to(kFloat64);
      lin.load_state_dict([&] {
        StateDict sd;
        sd.insert("weight", fixture("weight"));
        sd.insert("bias", fixture("bias"));
        return sd;
      }());
      Tensor x = fixture("x").requires_grad_();
      Tensor y = lin(x);
      check_close(y, fixture("y_" + name));
      Tensor w = linspace(-1, 1, y.numel(), kFloat64).reshape(y.shape());
      (y * w).sum().backward();
      check_close(x.grad(), fixture("dx_" + name));
      check_close(lin.weight.grad(), fixture("dweight_" + name));
      check_close(lin.bias.grad(), fixture("dbias_" + name));
    }
  }
}

TEST_CASE("gradcheck: linear", "[nn][linear][gradcheck]") {
  Tensor x = testing::leaf({3, 4}, 1), w = testing::leaf({2, 4}, 2), b = testing::leaf({2}, 3);
  for (Activation act : {Activation::None, Activation::ReLU}) {
    auto f = [act](const std::vector<Tensor>& in) { return nn::functional::linear(in[0], in[1], in[2], act); };
    CHECK(autograd::gradcheck(f, {x, w, b}));
    CHECK(autograd::gradgradcheck(f, {x, w, b}));
  }
  // Without a bias, and on a 3-D input.
  Tensor x3 = testing::leaf({2, 3, 4}, 4);
  CHECK(testing::check2([](const Tensor& a, const Tensor& ww) { return nn::functional::linear(a, ww); }, x3, w));
}

TEST_CASE("Linear: gradient only where needed, bias optional", "[nn][linear]") {
  nn::Linear lin(3, 2, /*bias=*/false);
  CHECK_FALSE(lin.bias.defined());
  CHECK(lin.parameters().size() == 1);
  Tensor x = ones({4, 3});  // data: no gradient wanted
  lin(x).sum().backward();
  CHECK_FALSE(x.grad().defined());
  CHECK(lin.weight.grad().shape() == Shape{2, 3});
}

TEST_CASE("Linear: bad input gives an Error naming the shapes", "[nn][linear][errors]") {
  nn::Linear lin(5, 4);
  REQUIRE_THROWS_WITH(lin(ones({2, 3})), Catch::Contains("expected input [..., 5], got (2, 3)"));
  REQUIRE_THROWS_WITH(nn::functional::linear(ones({2, 5}), ones({4, 5}, kFloat64)),
                      Catch::Contains("one floating dtype"));
  REQUIRE_THROWS_WITH(nn::functional::linear(ones({2, 5}), ones({4, 5}), ones({3})),
                      Catch::Contains("bias must be [4]"));
  REQUIRE_THROWS_WITH(nn::Linear(0, 3), Catch::Contains("must be positive"));
}

TEST_CASE("Linear: default init is PyTorch's U(-1/sqrt(in), 1/sqrt(in))", "[nn][linear][init]") {
  Generator g(7);
  nn::Linear big(400, 300, true, Activation::None, g);
  Tensor bounds = fixture("init_bounds");  // [bound, max |w| PyTorch drew]
  const double bound = bounds.data<double>()[0];
  CHECK(max(abs(big.weight)).item() <= bound);
  CHECK(max(abs(big.weight)).item() > 0.99 * bound);
  CHECK(max(abs(big.bias)).item() <= bound);
  // U(-b, b) has variance b²/3.
  CHECK(var(big.weight).item() == Approx(bound * bound / 3).epsilon(0.02));
}

TEST_CASE("init: xavier, kaiming, orthogonal follow their formulas", "[nn][init]") {
  Generator g(3);
  Tensor w = empty({200, 300});
  nn::init::xavier_uniform_(w, 1.0, g);
  double b = std::sqrt(6.0 / 500.0);
  CHECK(max(abs(w)).item() <= b);
  CHECK(var(w).item() == Approx(b * b / 3).epsilon(0.03));
  nn::init::kaiming_normal_(w, 0.0, nn::init::FanMode::FanIn, "relu", g);
  CHECK(nabla::std(w).item() == Approx(std::sqrt(2.0 / 300)).epsilon(0.03));
  nn::init::kaiming_uniform_(w, 0.0, nn::init::FanMode::FanOut, "relu", g);
  CHECK(max(abs(w)).item() <= std::sqrt(3.0) * std::sqrt(2.0 / 200) + 1e-7);
  CHECK(nn::init::calculate_gain("tanh") == Approx(5.0 / 3));
  CHECK(nn::init::calculate_gain("leaky_relu", 0.2) == Approx(std::sqrt(2.0 / 1.04)));
  REQUIRE_THROWS_WITH(nn::init::calculate_gain("swish"), Catch::Contains("unknown nonlinearity 'swish'"));
  auto [fi, fo] = nn::init::fan_in_and_fan_out(empty({16, 3, 5, 5}));
  CHECK(fi == 75);
  CHECK(fo == 400);

  for (Shape shape : {Shape{3, 5}, Shape{5, 3}, Shape{4, 2, 3}}) {
    Tensor q = empty(shape, kFloat64);
    nn::init::orthogonal_(q, 2.0, g);
    Tensor m = q.reshape({shape[0], -1});
    // Rows (wide) or columns (tall) are orthogonal with norm = gain.
    Tensor gram = m.size(0) <= m.size(1) ? matmul(m, m.t()) : matmul(m.t(), m);
    CHECK(allclose(gram, eye(gram.size(0), -1, kFloat64) * 4.0, 1e-10, 1e-10));
  }
}

TEST_CASE("Sequential and MLP: PyTorch's logits from PyTorch's weights", "[nn][linear][sequential]") {
  nn::Sequential seq(nn::Linear(6, 5), nn::ReLU(), nn::Linear(5, 4), nn::Tanh(), nn::Linear(4, 3));
  seq.to(kFloat64);
  StateDict sd;
  for (int i : {0, 2, 4}) {
    sd.insert(std::to_string(i) + ".weight", fixture("mlp_" + std::to_string(i) + "_weight"));
    sd.insert(std::to_string(i) + ".bias", fixture("mlp_" + std::to_string(i) + "_bias"));
  }
  seq.load_state_dict(sd);
  check_close(seq(fixture("mlp_x")), fixture("mlp_y"));
  CHECK(seq.size() == 5);
  REQUIRE_THROWS_WITH(seq[7], Catch::Contains("index 7 is out of range for 5 modules"));

  // The same network as an MLP with fused activations: children 0, 1, 2.
  nn::MLP mlp(6, {5, 4}, 3);
  CHECK(mlp.num_parameters() == seq.num_parameters());
  CHECK(mlp(ones({7, 6})).shape() == Shape{7, 3});
  CHECK_THAT(mlp.repr(), Catch::Contains("(1): Linear(in_features=5, out_features=4, bias=true, activation=relu)"));
}

TEST_CASE("Flatten, Unflatten, Identity, activation modules", "[nn][linear]") {
  Tensor x = arange(24).reshape({2, 3, 4});
  CHECK(nn::Flatten()(x).shape() == Shape{2, 12});
  CHECK(nn::Flatten(0, 1)(x).shape() == Shape{6, 4});
  CHECK(nn::Unflatten(1, {3, 1})(ones({2, 3})).shape() == Shape{2, 3, 1});
  REQUIRE_THROWS_WITH(nn::Unflatten(1, {2, 2})(ones({2, 3})), Catch::Contains("cannot split dim 1 of size 3"));
  CHECK(nn::Identity()(x).is_same(x));
  Tensor v = tensor({-2.0, 0.5});
  CHECK(allclose(nn::LeakyReLU(0.1)(v), tensor({-0.2, 0.5})));
  CHECK(allclose(nn::Softmax()(v).sum(), scalar_tensor(1.0)));
  REQUIRE_THROWS_WITH(nn::GELU("fast"), Catch::Contains("'none' or 'tanh'"));
  REQUIRE_THROWS_WITH(nn::Dropout(1.5), Catch::Contains("p must be in [0, 1]"));
}

TEST_CASE("linear: a non-contiguous bias gives the composed result", "[nn][linear]") {
  Generator g(5);
  Tensor x = randn({6, 4}, g), w = randn({3, 4}, g);
  Tensor b = randn({6}, g).index({Slice(None, None, 2)});  // strided: copied for the kernel
  REQUIRE_FALSE(b.is_contiguous());
  for (Activation act : {Activation::None, Activation::ReLU}) {
    Tensor want = nn::functional::apply_activation(matmul(x, w.t()) + b, act);
    CHECK(allclose(nn::functional::linear(x, w, b, act), want, 1e-5, 1e-6));
  }
}
