// Tensor basics: creation, dtypes and promotion, views sharing storage,
// the caching allocator, generators, Eigen interop.
#include <nabla/tensor/eigen.h>
#include <Eigen/Core>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "helpers.h"

using namespace nabla;

using testing::values;

TEST_CASE("creation functions", "[tensor]") {
  REQUIRE(zeros({2, 3}).shape() == Shape{2, 3});
  REQUIRE(zeros({2, 3}).dtype() == kFloat32);
  REQUIRE(values(ones({3}, kInt64)) == std::vector<double>{1, 1, 1});
  REQUIRE(values(full({2}, 2.5)) == std::vector<double>{2.5, 2.5});
  REQUIRE(values(arange(0, 10, 3)) == std::vector<double>{0, 3, 6, 9});
  REQUIRE(arange(5, kInt64).dtype() == kInt64);
  REQUIRE(values(arange(1, 0, -0.25)) == std::vector<double>{1, 0.75, 0.5, 0.25});
  REQUIRE(values(linspace(0, 1, 5)) == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  REQUIRE(values(eye(2, 3)) == std::vector<double>{1, 0, 0, 0, 1, 0});
  REQUIRE(values(tensor({{1, 2}, {3, 4}})) == std::vector<double>{1, 2, 3, 4});
  REQUIRE(from_vector(std::vector<int64_t>{1, 2, 3, 4}, {2, 2}).dtype() == kInt64);
  REQUIRE(zeros_like(ones({2}, kFloat64)).dtype() == kFloat64);
  REQUIRE(scalar_tensor(3.0).ndim() == 0);
  REQUIRE(scalar_tensor(3.0).item() == 3.0);
  REQUIRE_THROWS_WITH(tensor({{1, 2}, {3}}), Catch::Contains("ragged"));
  REQUIRE_THROWS_WITH(from_vector(std::vector<float>{1, 2, 3}, {2, 2}), Catch::Contains("(2, 2)"));
}

TEST_CASE("from_blob borrows, from_buffer copies", "[tensor]") {
  float data[6] = {1, 2, 3, 4, 5, 6};
  bool deleted = false;
  {
    Tensor t = from_blob(data, {2, 3}, kFloat32, [&](void*) { deleted = true; });
    data[0] = 10;
    REQUIRE(t.index({0, 0}).item() == 10.0);  // the same memory
    Tensor c = from_buffer(data, {2, 3}, kFloat32);
    data[1] = 20;
    REQUIRE(c.index({0, 1}).item() == 2.0);  // a copy
  }
  REQUIRE(deleted);
}

TEST_CASE("random numbers: seeded, saveable, the same for any thread count", "[tensor][random]") {
  Generator g(42);
  Tensor a = rand({1000}, g);
  GeneratorState s = g.state();
  Tensor b = randn({5}, g);
  g.set_state(s);
  Tensor c = randn({5}, g);
  REQUIRE(equal(b, c));
  Generator g2(42);
  REQUIRE(equal(rand({1000}, g2), a));
  REQUIRE(min(a).item() >= 0.0);
  REQUIRE(max(a).item() < 1.0);
  REQUIRE(mean(a).item() == Approx(0.5).margin(0.03));
  Tensor n = randn({20000}, g);
  REQUIRE(mean(n).item() == Approx(0.0).margin(0.03));
  REQUIRE(nabla::std(n).item() == Approx(1.0).margin(0.03));
  Tensor r = randint(3, 7, {1000}, g);
  REQUIRE(r.dtype() == kInt64);
  REQUIRE(min(r).item() == 3.0);
  REQUIRE(max(r).item() == 6.0);
  manual_seed(7);
  Tensor d1 = rand({3});
  manual_seed(7);
  REQUIRE(equal(rand({3}), d1));
}

TEST_CASE("type promotion follows NumPy", "[tensor][dtype]") {
  Tensor i = tensor({1, 2}, kInt64), f = tensor({1, 2}), d = tensor({1, 2}, kFloat64), b = tensor({1, 0}, kBool);
  REQUIRE((i + f).dtype() == kFloat32);
  REQUIRE((f + d).dtype() == kFloat64);
  REQUIRE((b + i).dtype() == kInt64);
  REQUIRE((b + b).dtype() == kInt64);
  REQUIRE((i * 2.0).dtype() == kInt64);    // integral scalar keeps int
  REQUIRE((i * 2.5).dtype() == kFloat32);  // fractional scalar: default float
  REQUIRE((f * 2.5).dtype() == kFloat32);  // scalars never widen floats
  REQUIRE((i / i).dtype() == kFloat32);    // true division
  REQUIRE((i < f).dtype() == kBool);
  REQUIRE(values(i / tensor({2, 4}, kInt64)) == std::vector<double>{0.5, 0.5});
  REQUIRE(values(f.astype(kInt64)) == std::vector<double>{1, 2});
  REQUIRE(tensor({0.5, 0.0}).astype(kBool).dtype() == kBool);
  REQUIRE(values(tensor({0.5, 0.0}).astype(kBool)) == std::vector<double>{1, 0});
}

TEST_CASE("views share storage; contiguous copies only when needed", "[tensor][view]") {
  Tensor x = arange(12).reshape({3, 4});
  Tensor t = x.t();
  REQUIRE(t.shape() == Shape{4, 3});
  REQUIRE(t.storage() == x.storage());
  REQUIRE_FALSE(t.is_contiguous());
  REQUIRE(t.contiguous().storage() != x.storage());
  REQUIRE(x.contiguous().storage() == x.storage());
  REQUIRE(values(t.contiguous()) == std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  Tensor s = slice(x, 1, 1, None, 2);  // x[:, 1::2]
  REQUIRE(values(s) == std::vector<double>{1, 3, 5, 7, 9, 11});
  REQUIRE(s.storage() == x.storage());
  REQUIRE(values(slice(arange(5), 0, None, None, -1)) == std::vector<double>{4, 3, 2, 1, 0});
  REQUIRE(values(x.select(1, -1)) == std::vector<double>{3, 7, 11});
  REQUIRE(values(x.narrow(0, 1, 2).flatten()) == std::vector<double>{4, 5, 6, 7, 8, 9, 10, 11});
  REQUIRE(x.unsqueeze(1).shape() == Shape{3, 1, 4});
  REQUIRE(x.unsqueeze(1).squeeze().shape() == Shape{3, 4});
  REQUIRE(x.permute({1, 0}).shape() == Shape{4, 3});
  Tensor e = tensor({1, 2, 3}).expand({2, 3});
  REQUIRE(e.strides() == Shape{0, 1});
  REQUIRE(values(e) == std::vector<double>{1, 2, 3, 1, 2, 3});
  REQUIRE(x.view({2, 6}).storage() == x.storage());
  REQUIRE_THROWS_WITH(t.view({12}), Catch::Contains("cannot be viewed"));
  REQUIRE(t.reshape({12}).shape() == Shape{12});  // reshape copies instead
  REQUIRE(x.reshape({-1, 2}).shape() == Shape{6, 2});
  // Writing through a view changes the base.
  {
    NoGradGuard g;
    x.select(0, 0).fill_(-1.0);
  }
  REQUIRE(values(x.select(0, 0)) == std::vector<double>{-1, -1, -1, -1});
}

TEST_CASE("every view's cached numel and contiguity match its shape and strides", "[tensor][view]") {
  // TensorImpl keeps both instead of recomputing them per op; this is the recomputation.
  auto c_order = [](const Tensor& t) {
    int64_t expected = 1;
    for (size_t i = t.shape().size(); i-- > 0;) {
      if (t.shape()[i] == 1) continue;
      if (t.strides()[i] != expected) return false;
      expected *= t.shape()[i];
    }
    return true;
  };
  auto count = [](const Tensor& t) {
    int64_t n = 1;
    for (int64_t d : t.shape()) n *= d;
    return n;
  };
  Tensor x = arange(60).reshape({3, 4, 5});
  const std::vector<std::pair<const char*, Tensor>> views = {
      {"x", x},
      {"transpose", x.transpose(0, 2)},
      {"narrow outer", x.narrow(0, 1, 2)},
      {"narrow inner", x.narrow(2, 1, 3)},
      {"select", x.select(1, 2)},
      {"slice step 2", slice(x, 2, 0, None, 2)},
      {"one row", x.narrow(0, 1, 1)},
      {"one column", x.narrow(2, 3, 1)},
      {"unsqueeze", x.unsqueeze(1)},
      {"expand", tensor({1, 2, 3}).reshape({3, 1}).expand({3, 4})},
      {"permute", x.permute({1, 0, 2})},
      {"empty", x.narrow(1, 0, 0)},
      {"reshape", x.reshape({12, 5})},
      {"scalar", x.select(0, 0).select(0, 0).select(0, 0)},
  };
  for (const auto& [name, t] : views) {
    INFO(name << ", shape " << shape_str(t.shape()));
    REQUIRE(t.is_contiguous() == c_order(t));
    REQUIRE(t.numel() == count(t));
  }
  REQUIRE(x.narrow(0, 1, 2).is_contiguous());
  REQUIRE_FALSE(x.narrow(2, 1, 3).is_contiguous());
}

TEST_CASE("ownership: views outlive their base, handles count, threads share safely", "[tensor][view]") {
  // A fresh tensor's TensorImpl and Storage share one memory block; a view
  // keeps the data alive after the tensor that made it is gone.
  Tensor view;
  {
    Tensor base = arange(6, TensorOptions(kFloat32));   // 24 bytes: inline, in the block itself
    Tensor big = arange(100, TensorOptions(kFloat32));  // 400 bytes: from the caching allocator
    view = base.reshape({2, 3}).t();
    // base's storage field, its block's "home" reference (tensor/tensor.cpp), the view.
    REQUIRE(base.storage().use_count() == 3);
    Tensor tail = big.narrow(0, 90, 10);
    big = Tensor();  // the last handle to big's TensorImpl goes; its storage stays
    REQUIRE(values(tail) == std::vector<double>{90, 91, 92, 93, 94, 95, 96, 97, 98, 99});
  }
  REQUIRE(values(view.contiguous()) == std::vector<double>{0, 3, 1, 4, 2, 5});

  // Only views and saved tensors make a storage shared, not handles.
  Tensor fresh = zeros({5});
  Tensor handle = fresh;
  REQUIRE(fresh.storage_is_exclusive());
  {
    Tensor v = fresh.reshape({5, 1});
    REQUIRE_FALSE(fresh.storage_is_exclusive());
  }
  REQUIRE(fresh.storage_is_exclusive());

  // Handles are counted: copies share one TensorImpl.
  Tensor a = zeros({4});
  REQUIRE(a.impl_ptr().use_count() == 1);
  {
    Tensor b = a;
    REQUIRE(a.impl_ptr().use_count() == 2);
    REQUIRE(b.is_same(a));
  }
  REQUIRE(a.impl_ptr().use_count() == 1);

  // Copies made and dropped on several threads at once: the counts must
  // end where they started (atomic updates once a second thread exists).
  Tensor shared = ones({3});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&shared] {
      for (int i = 0; i < 20000; ++i) {
        Tensor copy = shared;
        Tensor view2 = copy.reshape({3, 1});
        (void)view2;
      }
    });
  for (auto& th : threads) th.join();
  REQUIRE(shared.impl_ptr().use_count() == 1);
  REQUIRE(shared.storage().use_count() == 2);  // the storage field and the home reference, as before
}

TEST_CASE("element sizes of every dtype", "[tensor][dtype]") {
  REQUIRE(empty({2}, kBool, Device::cpu()).element_size() == 1);
  REQUIRE(empty({2}, kInt64, Device::cpu()).element_size() == 8);
  REQUIRE(empty({2}, kFloat32, Device::cpu()).element_size() == 4);
  REQUIRE(empty({2}, kFloat64, Device::cpu()).element_size() == 8);
}

// The dense kernels run tiny tensors (<= 8 elements) through a scalar loop
// and bigger ones through a vectorised one: check both sides of the switch,
// with a broadcast scalar on either side and for in-place accumulation.
TEST_CASE("dense elementwise kernels around the tiny-tensor switch", "[tensor][kernels]") {
  for (int64_t n : {1, 3, 7, 8, 9, 17, 33}) {
    INFO("n = " << n);
    Tensor a = arange(static_cast<double>(n)) + 1.0, b = arange(static_cast<double>(n)) * 0.5 - 2.0;
    Tensor s = full({1}, 3.0).expand({n});  // every stride 0: read as one value
    std::vector<double> va = values(a), vb = values(b), mul(n), div(n), sub(n), rel(n);
    for (int64_t i = 0; i < n; ++i) {
      mul[i] = va[i] * vb[i];
      div[i] = 3.0 / va[i];
      sub[i] = vb[i] - 3.0;
      rel[i] = vb[i] > 0 ? vb[i] : 0.0;
    }
    REQUIRE_THAT(values(a * b), Catch::Matchers::Approx(mul));
    REQUIRE_THAT(values(s / a), Catch::Matchers::Approx(div));
    REQUIRE_THAT(values(b - s), Catch::Matchers::Approx(sub));
    REQUIRE_THAT(values(relu(b)), Catch::Matchers::Approx(rel));
    Tensor acc = a.clone();
    acc.add_(b);
    for (int64_t i = 0; i < n; ++i) va[i] += vb[i];
    REQUIRE_THAT(values(acc), Catch::Matchers::Approx(va));
  }
}

TEST_CASE("elementwise ops on non-contiguous and broadcast inputs", "[tensor][kernels]") {
  Tensor a = arange(6, kFloat64).reshape({2, 3});
  Tensor b = tensor({10, 20}, kFloat64).reshape({2, 1});
  REQUIRE(values(a.t() + b.t()) == std::vector<double>{10, 23, 11, 24, 12, 25});
  REQUIRE(values(a + b) == std::vector<double>{10, 11, 12, 23, 24, 25});
  REQUIRE(values(maximum(a, 2.0)) == std::vector<double>{2, 2, 2, 3, 4, 5});
  REQUIRE(values(pow(tensor({2, 3}, kInt64), 3.0)) == std::vector<double>{8, 27});
  Tensor big = arange(100000, kFloat64);  // above the grain size: threaded
  REQUIRE(sum(big * 2.0).item() == Approx(2.0 * 99999 * 100000 / 2));
}

TEST_CASE("a sum over leading axes (a bias gradient) adds each column's rows in order", "[tensor][reduce]") {
  // The column-sum path (contiguous input, the reduced axes before the kept
  // ones) must give what adding row by row in the input's dtype gives.
  for (DType dt : {kFloat32, kFloat64}) {
    Generator g(3);
    for (Shape shape : {Shape{33, 7}, Shape{5, 3, 17}, Shape{2, 1, 9}}) {
      Tensor x = randn(shape, g, TensorOptions(dt)) * 1000.0;
      const int64_t cols = shape.back(), rows = x.numel() / cols;
      const Shape lead = shape.size() == 3 ? Shape{0, 1} : Shape{0};
      std::vector<double> expected(static_cast<size_t>(cols));
      const std::vector<double> v = values(x);
      for (int64_t c = 0; c < cols; ++c) {
        if (dt == kFloat32) {
          float acc = 0;
          for (int64_t r = 0; r < rows; ++r) acc += static_cast<float>(v[static_cast<size_t>(r * cols + c)]);
          expected[static_cast<size_t>(c)] = acc;
        } else {
          double acc = 0;
          for (int64_t r = 0; r < rows; ++r) acc += v[static_cast<size_t>(r * cols + c)];
          expected[static_cast<size_t>(c)] = acc;
        }
      }
      REQUIRE(values(sum(x, lead)) == expected);
      REQUIRE(sum(x, lead, true).shape() == (shape.size() == 3 ? Shape{1, 1, cols} : Shape{1, cols}));
      // The same sum of a transposed copy (not contiguous: the strided path).
      Tensor xt = x.reshape({rows, cols}).t().contiguous().t();
      REQUIRE(values(sum(xt, {0})) == expected);
    }
  }
  // -0.0 columns sum to +0.0, as 0 + (-0.0) does.
  Tensor z = full({4, 3}, -0.0, TensorOptions(kFloat32));
  for (double s : values(sum(z, {0}))) REQUIRE(!std::signbit(s));
}

TEST_CASE("a sum along a contiguous run: exact for integers, double-accumulated for float", "[tensor][reduce]") {
  // The run is summed in eight partial sums plus a remainder: every length
  // up to a few multiples of eight, and a long one.
  for (int64_t n = 0; n <= 27; ++n) {
    INFO("n = " << n);
    REQUIRE(sum(arange(static_cast<double>(n), kInt64)).item<int64_t>() == n * (n - 1) / 2);
    REQUIRE(sum(arange(static_cast<double>(n), kFloat32)).item() == static_cast<double>(n * (n - 1) / 2));
  }
  Generator g(5);
  Tensor x = rand({1000003}, g, TensorOptions(kFloat32));
  double exact = 0;
  for (double v : values(x)) exact += v;
  const float got = sum(x).item<float>(), want = static_cast<float>(exact);
  REQUIRE(std::fabs(got - want) <= std::nextafter(want, 2 * want) - want);  // within one float ulp
  // Row sums of a matrix (the last axis): each row its own run.
  Tensor m = rand({7, 1001}, g, TensorOptions(kFloat64));
  const std::vector<double> rows = values(sum(m, {1})), mv = values(m);
  for (int r = 0; r < 7; ++r) {
    double e = 0;
    for (int c = 0; c < 1001; ++c) e += mv[static_cast<size_t>(r * 1001 + c)];
    REQUIRE(rows[static_cast<size_t>(r)] == Approx(e).epsilon(1e-14));
  }
}

TEST_CASE("reductions with axes and keepdims", "[tensor][reduce]") {
  Tensor x = arange(24, kFloat64).reshape({2, 3, 4});
  REQUIRE(sum(x).item() == 276.0);
  REQUIRE(sum(x, {0, 2}).shape() == Shape{3});
  REQUIRE(values(sum(x, {0, 2})) == std::vector<double>{60, 92, 124});
  REQUIRE(sum(x, {1}, true).shape() == Shape{2, 1, 4});
  REQUIRE(values(mean(x, {-1})) == std::vector<double>{1.5, 5.5, 9.5, 13.5, 17.5, 21.5});
  REQUIRE(values(max(x, {1})) == std::vector<double>{8, 9, 10, 11, 20, 21, 22, 23});
  REQUIRE(values(min(x, {0, 1})) == std::vector<double>{0, 1, 2, 3});
  REQUIRE(values(prod(tensor({1, 2, 3, 4}, kFloat64))) == std::vector<double>{24});
  REQUIRE(var(tensor({1, 2, 3, 4}, kFloat64)).item() == Approx(1.25));
  REQUIRE(var(tensor({1, 2, 3, 4}, kFloat64), {}, 1).item() == Approx(5.0 / 3));
  REQUIRE(logsumexp(tensor({1000.0, 1000.0}, kFloat64)).item() == Approx(1000.0 + std::log(2.0)));
  REQUIRE(values(argmax(x, 2)) == std::vector<double>{3, 3, 3, 3, 3, 3});
  REQUIRE(argmax(tensor({1, 5, 5, 2})).item() == 1.0);  // first of ties
  REQUIRE(values(argmin(x, 0, true)) == std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  REQUIRE(sum(tensor({1, 1, 0}, kBool)).item() == 2.0);
  REQUIRE(sum(tensor({1, 1, 0}, kBool)).dtype() == kInt64);
  REQUIRE(all(tensor({1, 1}, kBool)).item<bool>());
  REQUIRE_FALSE(all(tensor({1, 0}, kBool)).item<bool>());
  REQUIRE(any(tensor({0, 1}), {0}).item<bool>());
  REQUIRE(allclose(softmax(tensor({1.0, 2.0, 3.0})).sum(), scalar_tensor(1.0)));
}

TEST_CASE("softmax and log_softmax match the formula", "[tensor]") {
  Tensor x = tensor({{1.0, 2.0, 3.0}, {-1.0, 0.0, 1000.0}}, kFloat64);
  Tensor s = softmax(x, 1);
  double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  REQUIRE(s.index({0, 0}).item() == Approx(std::exp(1.0) / z));
  REQUIRE(s.index({1, 2}).item() == Approx(1.0));
  REQUIRE(log_softmax(x, 1).index({0, 2}).item() == Approx(3.0 - std::log(z)));
  REQUIRE(gelu(tensor({1.0}, kFloat64)).item() == Approx(0.8413447460685429));
  REQUIRE(gelu_tanh(tensor({1.0}, kFloat64)).item() == Approx(0.8411919906082768));
  REQUIRE(softplus(tensor({100.0}, kFloat64)).item() == Approx(100.0));
}

TEST_CASE("matmul values", "[tensor][matmul]") {
  Tensor a = tensor({{1, 2}, {3, 4}}, kFloat64), b = tensor({{5, 6}, {7, 8}}, kFloat64);
  REQUIRE(values(matmul(a, b)) == std::vector<double>{19, 22, 43, 50});
  REQUIRE(values(matmul(a.t(), b)) == std::vector<double>{26, 30, 38, 44});
  REQUIRE(matmul(tensor({1, 2}, kFloat64), tensor({3, 4}, kFloat64)).item() == 11.0);
  Tensor big_a = arange(32 * 784, kFloat64).reshape({32, 784}) / 1000.0;
  Tensor big_b = ones({784, 10}, kFloat64);
  REQUIRE(allclose(matmul(big_a, big_b).select(1, 0), sum(big_a, {1})));
  REQUIRE(matmul(ones({5, 2, 3}), ones({3, 4})).shape() == Shape{5, 2, 4});
  REQUIRE(matmul(ones({5, 1, 2, 3}), ones({4, 3, 2})).shape() == Shape{5, 4, 2, 2});
  REQUIRE(values(matmul(ones({2, 3}, kInt64), ones({3}, kInt64))) == std::vector<double>{3, 3});
}

TEST_CASE("caching allocator: a steady loop stops calling the system allocator", "[tensor][allocator]") {
  Tensor w = randn({64, 32}).requires_grad_();
  Tensor x = randn({16, 64});
  auto step = [&] {
    Tensor loss = relu(matmul(x, w)).sum();
    loss.backward();
    NoGradGuard g;
    w.add_(w.grad(), -0.01);
    w.zero_grad();
  };
  for (int i = 0; i < 3; ++i) step();
  int64_t before = cpu_allocator::stats().system_allocs;
  for (int i = 0; i < 20; ++i) step();
  REQUIRE(cpu_allocator::stats().system_allocs == before);
  REQUIRE(cpu_allocator::stats().peak_bytes_in_use >= cpu_allocator::stats().bytes_in_use);
  REQUIRE(cpu_allocator::stats().allocs > 0);
}

TEST_CASE("Eigen interop: map without copy, construct from a matrix", "[tensor][eigen]") {
  Tensor t = arange(6).reshape({2, 3}).contiguous();
  auto m = as_eigen<float>(t);
  REQUIRE(m(1, 2) == 5.0f);
  m(0, 0) = 42.0f;
  REQUIRE(t.index({0, 0}).item() == 42.0);
  Eigen::MatrixXd md(2, 2);
  md << 1, 2, 3, 4;
  Tensor u = from_eigen(md);
  REQUIRE(u.dtype() == kFloat64);
  REQUIRE(values(u) == std::vector<double>{1, 2, 3, 4});
  REQUIRE_THROWS_WITH(as_eigen<float>(t.t()), Catch::Contains("contiguous"));
  REQUIRE_THROWS_WITH(as_eigen<double>(t), Catch::Contains("float32"));
}

TEST_CASE("Device parsing and cuda availability", "[tensor][device]") {
  REQUIRE(Device::parse("cuda:1") == Device::cuda(1));
  REQUIRE(Device::parse("cpu").is_cpu());
  REQUIRE(Device::cuda(2).str() == "cuda:2");
  REQUIRE_THROWS_AS(Device::parse("tpu"), Error);
  if (!cuda::is_available()) {
    REQUIRE_THROWS_WITH(zeros({2}).to(Device::cuda()), Catch::Contains("cuda:0"));
  }
}

TEST_CASE("Generator state round-trips through a StateDict", "[tensor][generator]") {
  Generator g(0xFFFFFFFFFFFFFFF1ull);  // a seed that needs all 64 bits
  rand({7}, g);
  const GeneratorState saved = g.state();
  StateDict sd = generator_state_dict(g);
  Tensor want = rand({5}, g);
  Generator h(1);
  load_generator_state(h, sd);
  CHECK(h.state() == saved);
  CHECK(equal(rand({5}, h), want));
  StateDict bad;
  bad.insert("seed", zeros({1}));
  CHECK_THROWS_WITH(load_generator_state(h, bad), Catch::Contains("no entry named 'offset'"));
}
