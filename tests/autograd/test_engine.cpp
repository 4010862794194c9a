// The autograd engine: accumulation, retain_graph, create_graph, guards,
// hooks, version counters, deep graphs.
#include <catch2/catch.hpp>
#include <thread>

#include "helpers.h"

using namespace nabla;

TEST_CASE("backward accumulates into leaves; zero_grad clears", "[autograd]") {
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  (x * x).sum().backward();
  REQUIRE(allclose(x.grad(), tensor({2.0, 4.0, 6.0})));
  (x * 3.0).sum().backward();  // a second graph: adds on top
  REQUIRE(allclose(x.grad(), tensor({5.0, 7.0, 9.0})));
  x.zero_grad();
  REQUIRE_FALSE(x.grad().defined());
}

TEST_CASE("a shared input gets the sum of both paths", "[autograd]") {
  Tensor x = tensor({2.0}).requires_grad_();
  Tensor y = x * x + x * 3.0 + x;  // dy/dx = 2x + 4 = 8
  y.sum().backward();
  REQUIRE(x.grad().item() == Approx(8.0));
}

TEST_CASE("second backward without retain_graph is an error, with it well-defined", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  REQUIRE(allclose(x.grad(), tensor({4.0, 8.0})));
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("second time") && Catch::Contains("sum"));
}

TEST_CASE("create_graph: second derivatives and Hessian-vector products", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = (x * x * x).sum();  // dy/dx = 3x², d²y/dx² = 6x
  auto g = autograd::grad({y}, {x}, {}, true, true);
  REQUIRE(allclose(g[0], tensor({3.0, 12.0}, kFloat64)));
  auto h = autograd::grad({g[0].sum()}, {x});
  REQUIRE(allclose(h[0], tensor({6.0, 12.0}, kFloat64)));
  // A gradient penalty: d/dx |dy/dx|²
  Tensor x2 = tensor({0.5, -1.0}, kFloat64).requires_grad_();
  Tensor y2 = (sin(x2)).sum();
  Tensor gx = autograd::grad({y2}, {x2}, {}, true, true)[0];
  (gx * gx).sum().backward();  // d/dx cos²x = -2 sin x cos x
  REQUIRE(allclose(x2.grad(), -2.0 * sin(x2.detach()) * cos(x2.detach())));
}

TEST_CASE("no_grad and enable_grad guards are scoped and thread-local", "[autograd]") {
  Tensor x = tensor({1.0}).requires_grad_();
  {
    NoGradGuard ng;
    Tensor y = x * 2.0;
    REQUIRE_FALSE(y.requires_grad());
    {
      EnableGradGuard eg;
      REQUIRE((x * 2.0).requires_grad());
    }
    REQUIRE_FALSE((x * 2.0).requires_grad());
  }
  REQUIRE((x * 2.0).requires_grad());
  bool other_thread_enabled = false;
  {
    NoGradGuard ng;
    std::thread t([&] { other_thread_enabled = GradMode::is_enabled(); });
    t.join();
  }
  REQUIRE(other_thread_enabled);
}

TEST_CASE("detach cuts the graph and shares data", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor d = (x * 2.0).detach();
  REQUIRE_FALSE(d.requires_grad());
  REQUIRE(d.is_leaf());
  Tensor y = x * 2.0;
  Tensor yd = y.detach();
  REQUIRE(yd.raw_data() == y.raw_data());
}

TEST_CASE("tensor hooks see and can replace gradients; retain_grad keeps non-leaf grads", "[autograd]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor h = x * 3.0;
  Tensor seen;
  h.register_hook([&](const Tensor& g) {
    seen = g;
    return g * 2.0;
  });
  h.retain_grad();
  int leaf_calls = 0;
  x.register_hook([&](const Tensor&) {
    ++leaf_calls;
    return Tensor();
  });
  h.sum().backward();
  REQUIRE(allclose(seen, tensor({1.0, 1.0})));
  REQUIRE(allclose(h.grad(), tensor({2.0, 2.0})));  // after the hook
  REQUIRE(allclose(x.grad(), tensor({6.0, 6.0})));
  REQUIRE(leaf_calls == 1);
}

TEST_CASE("a leaf hook's result that the hook also keeps is copied into .grad, not adopted", "[autograd][engine]") {
  // The engine adopts an exclusive gradient as .grad and adds later ones into
  // it in place; a tensor the hook still holds must not be written through.
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  std::vector<Tensor> kept;
  x.register_hook([&](const Tensor& g) {
    kept.push_back(g * 10.0);
    return kept.back();
  });
  (x * 1.0).sum().backward();
  (x * 1.0).sum().backward();
  REQUIRE(allclose(x.grad(), tensor({20.0, 20.0})));
  REQUIRE(allclose(kept[0], tensor({10.0, 10.0})));  // not the buffer the second pass added into
}
TEST_CASE("retain_grad on a tensor that dies before backward", "[autograd]") {
  // h's node outlives h (y's graph still leads through it; `+ 1.0` saves
  // nothing, so nothing else holds h): the engine must not write a
  // gradient into the freed tensor.
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y;
  {
    Tensor h = x * 3.0;
    h.retain_grad();
    y = (h + 1.0).sum();
  }
  y.backward();
  REQUIRE(allclose(x.grad(), tensor({3.0, 3.0})));
}

TEST_CASE("in-place change to a saved tensor is an error at backward, naming the op", "[autograd]") {
  Tensor w = tensor({1.0, 2.0}).requires_grad_();
  Tensor x = tensor({3.0, 4.0});
  Tensor y = (w * x).sum();
  x.add_(tensor({1.0, 1.0}));
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("mul") && Catch::Contains("modified in place"));
  // An unsaved input may change: add saves nothing.
  Tensor z = (w + x).sum();
  x.mul_(2.0);
  REQUIRE_NOTHROW(z.backward());
}

TEST_CASE("in-place write to a tensor that requires grad is refused", "[autograd]") {
  Tensor w = tensor({1.0}).requires_grad_();
  REQUIRE_THROWS_AS(w.fill_(0.0), Error);
  NoGradGuard g;
  REQUIRE_NOTHROW(w.fill_(0.0));
}

TEST_CASE("a 100,000-op chain runs backward and is freed without deep recursion", "[autograd]") {
  Tensor x = tensor({1.0}).requires_grad_();
  {
    Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y + 1e-6;
    y.sum().backward();
    REQUIRE(x.grad().item() == Approx(1.0));
  }
  // Freeing without a backward (the graph kept whole) must not overflow either.
  {
    Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y * 1.0;
  }
  SUCCEED("no stack overflow");
}

TEST_CASE("autograd::grad returns gradients without touching .grad", "[autograd]") {
  Tensor a = tensor({1.0, 2.0}).requires_grad_();
  Tensor b = tensor({3.0, 4.0}).requires_grad_();
  Tensor h = a * b;
  auto g = autograd::grad({h.sum()}, {a, h});
  REQUIRE(allclose(g[0], tensor({3.0, 4.0})));
  REQUIRE(allclose(g[1], tensor({1.0, 1.0})));
  REQUIRE_FALSE(a.grad().defined());
  Tensor c = tensor({1.0}).requires_grad_();
  REQUIRE_THROWS_WITH(autograd::grad({(a * 2.0).sum()}, {c}), Catch::Contains("not used"));
}

TEST_CASE("custom ops through the public record API", "[autograd]") {
  // cube(x) = x³ with a hand-written backward, checked by gradcheck and gradgradcheck.
  auto cube = [](const Tensor& x) {
    Tensor y;
    {
      NoGradGuard g;
      y = x * x * x;
    }
    return autograd::record("cube", y, {x}, {x}, [x](const Tensor& dy) { return autograd::Grads{dy * 3.0 * x * x}; });
  };
  Tensor x = testing::leaf({4});
  REQUIRE(testing::check1(cube, x));
  REQUIRE(to_dot(cube(x).sum()).find("cube") != std::string::npos);
  // A wrong backward is caught.
  auto bad = [](const Tensor& x) {
    Tensor y;
    {
      NoGradGuard g;
      y = x * x;
    }
    return autograd::record("bad_square", y, {x}, {x}, [x](const Tensor& dy) { return autograd::Grads{dy * x}; });
  };
  REQUIRE_THROWS_WITH(testing::check1(bad, testing::leaf({3})), Catch::Contains("mismatch"));
}

TEST_CASE("backward of a non-scalar needs a gradient of the right shape", "[autograd][errors]") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * 2.0;
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("one-element"));
  REQUIRE_THROWS_WITH(y.backward(ones({3})), Catch::Contains("(3,)") && Catch::Contains("(2,)"));
  Tensor z = tensor({1.0});
  REQUIRE_THROWS_WITH(z.backward(), Catch::Contains("does not require grad"));
}

TEST_CASE("to_dot names ops and shapes", "[autograd]") {
  Tensor w = zeros({3, 2}).requires_grad_();
  Tensor x = ones({4, 3});
  std::string dot = to_dot(relu(matmul(x, w)).sum());
  REQUIRE(dot.find("digraph") == 0);
  REQUIRE(dot.find("matmul") != std::string::npos);
  REQUIRE(dot.find("relu") != std::string::npos);
  REQUIRE(dot.find("(4, 2)") != std::string::npos);
  REQUIRE(dot.find("leaf") != std::string::npos);
}

TEST_CASE("engine: gradients of many windows of one tensor add up in place", "[autograd][engine]") {
  // p is a non-leaf, so its windows' gradients take the engine's in-place
  // window path (Node::input_window); the results must equal the plain sums.
  Tensor x = ones({5, 3}, kFloat64).requires_grad_();
  Tensor p = x * 2.0;
  Tensor loss = p.narrow(0, 1, 2).sum();
  for (int64_t t = 0; t < 5; ++t) loss = loss + (p.select(0, t) * static_cast<double>(t + 1)).sum();
  loss = loss + p.index({Slice(None, None, 2), 1}).sum() * 10.0;  // a strided window
  loss.backward();
  std::vector<double> want;
  for (int64_t t = 0; t < 5; ++t)
    for (int64_t j = 0; j < 3; ++j)
      want.push_back(2.0 * ((t + 1) + (t == 1 || t == 2 ? 1 : 0) + (t % 2 == 0 && j == 1 ? 10 : 0)));
  CHECK(testing::values(x.grad()) == want);
}

TEST_CASE("engine: a window gradient never writes into a shared or broadcast buffer", "[autograd][engine]") {
  Tensor x = ones({4, 2}, kFloat64).requires_grad_();
  Tensor p = x * 3.0;
  // p.sum()'s gradient is a broadcast (stride-0) view of one element and
  // q = p + p hands the same dy to both of its inputs: adding the window
  // in place into either would corrupt the other gradients.
  Tensor q = p + p;
  Tensor loss = p.sum() + q.select(0, 2).sum() + p.select(0, 0).sum();
  loss.backward();
  std::vector<double> want;
  for (int64_t t = 0; t < 4; ++t)
    for (int64_t j = 0; j < 2; ++j) want.push_back(3.0 * (1 + (t == 0 ? 1 : 0) + (t == 2 ? 2 : 0)));
  CHECK(testing::values(x.grad()) == want);
  // And the same with create_graph (the closures run instead): identical.
  Tensor x2 = ones({4, 2}, kFloat64).requires_grad_();
  Tensor p2 = x2 * 3.0, q2 = p2 + p2;
  Tensor l2 = p2.sum() + q2.select(0, 2).sum() + p2.select(0, 0).sum();
  Tensor g2 = autograd::grad({l2}, {x2}, {}, false, true)[0];
  CHECK(testing::values(g2) == want);
}

TEST_CASE("a handed-over operand's buffer takes the result only when nothing else can see it", "[autograd][engine]") {
  NoGradGuard no_grad;
  const Tensor b = tensor({2.0f, 3.0f, 4.0f});
  SECTION("the only handle: written over, same buffer") {
    Tensor a = tensor({1.0f, 2.0f, 3.0f});
    const void* buffer = a.raw_data();
    Tensor z = std::move(a) * b;
    REQUIRE(z.raw_data() == buffer);
    REQUIRE(testing::values(z) == std::vector<double>{2, 6, 12});
  }
  SECTION("another handle, a view, or a dtype change: a fresh buffer, a untouched") {
    Tensor a = tensor({1.0f, 2.0f, 3.0f});
    Tensor copy = a;
    Tensor z1 = std::move(copy) * b;
    Tensor v = tensor({1.0f, 2.0f, 3.0f, 9.0f});
    Tensor window = v.narrow(0, 0, 3);
    Tensor z2 = std::move(window) * b;
    Tensor i = tensor({1.0f, 2.0f, 3.0f}).astype(kInt64);
    Tensor z3 = std::move(i) * b;  // int64 · float32 is float32: a new dtype, a new buffer
    REQUIRE(testing::values(a) == std::vector<double>{1, 2, 3});
    REQUIRE(testing::values(v) == std::vector<double>{1, 2, 3, 9});
    for (const Tensor& z : {z1, z2, z3}) REQUIRE(testing::values(z) == std::vector<double>{2, 6, 12});
    REQUIRE(z3.dtype() == kFloat32);
  }
}

TEST_CASE("a recorded op never writes over a handed-over input it saves for backward", "[autograd][engine]") {
  Tensor w = tensor({2.0, 3.0}, kFloat64).requires_grad_();
  Tensor a = tensor({5.0, 7.0}, kFloat64);
  const void* buffer = a.raw_data();
  Tensor z = std::move(a) * w;  // dz/dw = a: a must survive
  REQUIRE(z.raw_data() != buffer);
  z.sum().backward();
  REQUIRE(testing::values(w.grad()) == std::vector<double>{5, 7});
}

TEST_CASE("backward closures reuse dy only when no one else holds it", "[autograd][engine]") {
  Tensor x = tensor({1.0, -2.0, 3.0}, kFloat64).requires_grad_();
  Tensor w = tensor({2.0, 3.0, 4.0}, kFloat64).requires_grad_();
  Tensor v = tensor({-1.0, 5.0, 0.5}, kFloat64).requires_grad_();
  SECTION("one dy passed to two consumers (add's backward)") {
    Tensor y = relu(x * w) + x * v;  // both branches get the very same dy
    y.sum().backward();
    // d/dx = w·[xw > 0] + v, d/dw = x·[xw > 0], d/dv = x
    REQUIRE(testing::values(x.grad()) == std::vector<double>{1, 5, 4.5});
    REQUIRE(testing::values(w.grad()) == std::vector<double>{1, 0, 3});
    REQUIRE(testing::values(v.grad()) == std::vector<double>{1, -2, 3});
  }
  SECTION("a retained gradient and a hook's copy keep their values") {
    Tensor y = x * w;
    y.retain_grad();
    Tensor seen;
    Tensor u = y * v;
    u.register_hook([&seen](const Tensor& g) {
      seen = g;
      return Tensor();
    });
    (u * 2.0).sum().backward();
    REQUIRE(testing::values(seen) == std::vector<double>{2, 2, 2});
    REQUIRE(testing::values(y.grad()) == std::vector<double>{-2, 10, 1});  // 2v
    REQUIRE(testing::values(x.grad()) == std::vector<double>{-4, 30, 4});  // 2vw
  }
}

// times(x, c) = x·c for a constant c, whose backward adds dy·c straight into
// x's .grad when the engine allows it, and counts which way it went.
namespace {
struct ProductProbe {
  int fused = 0, returned = 0;
  Tensor operator()(const Tensor& x, const Tensor& c) {
    Tensor y;
    {
      NoGradGuard g;
      y = x * c;
    }
    return autograd::record("times", y, {x}, {x, c}, [this, c](const Tensor& dy) {
      if (autograd::accumulate_product(0, dy, c)) {
        ++fused;
        return autograd::Grads{Tensor()};
      }
      ++returned;
      return autograd::Grads{dy * c};
    });
  }
};
}  // namespace

TEST_CASE("accumulate_product adds into a leaf's .grad only where the engine would just add", "[autograd][engine]") {
  const Tensor c = tensor({2.0, -3.0, 0.5}, kFloat64);
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  ProductProbe times;
  // A dense seed: sum()'s would be a broadcast one, which is never fused.
  auto backward = [](const Tensor& y, bool create_graph = false) { y.backward(ones_like(y), false, create_graph); };
  SECTION("backward() into an existing dense .grad: fused, in place, version bumped") {
    backward(times(x, c));  // no .grad yet: the engine takes the gradient whole
    REQUIRE(times.fused == 0);
    REQUIRE(testing::values(x.grad()) == std::vector<double>{2, -3, 0.5});
    const void* buffer = x.grad().raw_data();
    const uint32_t version = x.grad().version();
    backward(times(x, c));
    REQUIRE(times.fused == 1);
    REQUIRE(x.grad().raw_data() == buffer);
    REQUIRE(x.grad().version() == version + 1);
    REQUIRE(testing::values(x.grad()) == std::vector<double>{4, -6, 1});
  }
  SECTION("every other case returns the gradient and changes nothing") {
    backward(times(x, c));
    const std::vector<double> first{2, -3, 0.5}, twice{4, -6, 1};
    SECTION("outside a backward") {
      REQUIRE_FALSE(autograd::accumulate_product(0, c, c));
      REQUIRE(testing::values(x.grad()) == first);
    }
    SECTION("autograd::grad leaves .grad alone") {
      Tensor y = times(x, c);
      Tensor g = autograd::grad({y}, {x}, {ones_like(y)})[0];
      REQUIRE(testing::values(g) == first);
      REQUIRE(testing::values(x.grad()) == first);
    }
    SECTION("create_graph: the gradient stays differentiable") {
      backward(times(x, c), /*create_graph=*/true);
      REQUIRE(testing::values(x.grad()) == twice);
    }
    SECTION("a hook on the leaf sees the gradient") {
      Tensor seen;
      x.register_hook([&seen](const Tensor& g) {
        seen = g.clone();
        return Tensor();
      });
      backward(times(x, c));
      REQUIRE(testing::values(seen) == first);
      REQUIRE(testing::values(x.grad()) == twice);
    }
    SECTION("anomaly detection checks every gradient") {
      autograd::DetectAnomalyGuard anomaly;
      backward(times(x, c));
      REQUIRE(testing::values(x.grad()) == twice);
    }
    SECTION("a factor broadcast to the leaf's shape") {
      backward(times(x, tensor({2.0}, kFloat64)));
      REQUIRE(testing::values(x.grad()) == std::vector<double>{4, -1, 2.5});
    }
    SECTION("a .grad of another dtype, or not contiguous") {
      x.set_grad(tensor({2.0f, -3.0f, 0.5f}));
      backward(times(x, c));
      REQUIRE(x.grad().dtype() == kFloat32);
      REQUIRE(testing::values(x.grad()) == twice);
      x.set_grad(tensor({2.0, 9.0, -3.0, 9.0, 0.5, 9.0}, kFloat64).reshape({3, 2}).select(1, 0));
      backward(times(x, c));
      REQUIRE(testing::values(x.grad()) == twice);
    }
    SECTION("an input that is not a leaf") {
      Tensor h = x * 1.0;
      h.retain_grad();
      backward(times(h, c));
      REQUIRE(testing::values(h.grad()) == first);
      REQUIRE(testing::values(x.grad()) == twice);
    }
    REQUIRE(times.fused == 0);
  }
}

TEST_CASE("mul adds dy·a into a leaf's .grad in place from the second backward on", "[autograd][engine]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    INFO(dtype_name(dtype));
    Tensor w = tensor({0.5, -1.5, 2.0, 3.0, -0.25}, dtype).requires_grad_();
    Tensor a = tensor({1.0, 2.0, -3.0, 4.0, 0.5}, dtype).requires_grad_();
    auto step = [&] { (relu(a) * w * w).sum().backward(); };  // d/dw = 2·relu(a)·w, through both mul inputs
    step();
    const std::vector<double> once = testing::values(w.grad());
    REQUIRE(once == std::vector<double>{1, -6, 0, 24, -0.25});
    const void* buffer = w.grad().raw_data();
    step();
    step();
    REQUIRE(w.grad().raw_data() == buffer);
    REQUIRE(testing::values(w.grad()) == std::vector<double>{3, -18, 0, 72, -0.75});
    REQUIRE(testing::values(a.grad()) == std::vector<double>{0.75, 6.75, 0, 27, 0.1875});  // 3·w²·[a > 0]
  }
  SECTION("the vectorised and the threaded loops, against a backward that returns the product") {
    for (int64_t n : {1003, 40001}) {  // above the tiny loops' 8 elements; above the grain size
      INFO("n = " << n);
      Generator g(n);
      const Tensor a = randn({n}, g), s = randn({n}, g);
      Tensor w = randn({n}, g).requires_grad_();
      Tensor expected = zeros({n});
      for (int step = 0; step < 3; ++step) {
        (a * w * w * s).sum().backward();
        expected = expected + 2.0 * a * w.detach() * s;
      }
      testing::require_close(w.grad(), expected, 1e-5);
    }
  }
}

TEST_CASE("a gradient that lines up with a leaf's .grad is added into it in place", "[autograd][engine]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    INFO(dtype_name(dtype));
    // A dense gradient, and the broadcast one that sum() hands down.
    Tensor w = tensor({1.0, 2.0, 3.0}, dtype).requires_grad_();
    Tensor c = tensor({2.0, -1.0, 4.0}, dtype);
    (w * c).sum().backward();  // the first one is taken whole
    const void* buffer = w.grad().raw_data();
    const uint32_t version = w.grad().version();
    (w * c).sum().backward();    // dense: dy·c
    (w + 1.0).sum().backward();  // broadcast: the seed, stride 0
    REQUIRE(w.grad().raw_data() == buffer);
    REQUIRE(w.grad().version() == version + 2);
    REQUIRE(testing::values(w.grad()) == std::vector<double>{5, -1, 9});

    // One that does not line up goes through add_(): a .grad of the other
    // float dtype, or a strided one.
    Tensor v = tensor({1.0, 2.0, 3.0}, dtype).requires_grad_();
    v.set_grad(tensor({10.0, 20.0, 30.0}, dtype == kFloat32 ? kFloat64 : kFloat32));
    (v * 2.0).sum().backward();
    REQUIRE(testing::values(v.grad()) == std::vector<double>{12, 22, 32});
    Tensor wide = tensor({1.0, 0.0, 2.0, 0.0, 3.0, 0.0}, dtype);
    v.set_grad(slice(wide, 0, 0, 6, 2));  // every second element: not dense
    (v * 2.0).sum().backward();
    REQUIRE(testing::values(wide) == std::vector<double>{3, 0, 4, 0, 5, 0});
  }
}
