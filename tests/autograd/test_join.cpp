// cat, stack, split, chunk and pad: forward values against hand-computed
// NumPy/PyTorch results, errors, and gradient checks.
#include <nabla/nabla.h>
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace nabla;
using Catch::Contains;
using testing::check1;
using testing::check2;
using testing::leaf;

namespace {

constexpr auto vals = testing::values;
using V = std::vector<double>;

Tensor iota(const Shape& shape, double start = 0) {
  return (arange(static_cast<double>(nabla::numel(shape)), kFloat64) + start).reshape(shape);
}

}  // namespace

// ---- cat / stack ---------------------------------------------------------------------------

TEST_CASE("cat: values along each axis", "[join]") {
  Tensor a = iota({2, 2}), b = iota({1, 2}, 10), c = iota({2, 3}, 20);
  Tensor r0 = cat({a, b}, 0);
  REQUIRE(r0.shape() == Shape{3, 2});
  REQUIRE(vals(r0) == V{0, 1, 2, 3, 10, 11});
  Tensor r1 = cat({a, c}, -1);
  REQUIRE(r1.shape() == Shape{2, 5});
  REQUIRE(vals(r1) == V{0, 1, 20, 21, 22, 2, 3, 23, 24, 25});
  REQUIRE(vals(cat({a})) == V{0, 1, 2, 3});
  REQUIRE(cat({a, zeros({0, 2}, kFloat64)}).shape() == Shape{2, 2});  // empty pieces are fine
  // A strided input (transposed) is read through its strides.
  REQUIRE(vals(cat({a.t(), a}, 1)) == V{0, 2, 0, 1, 1, 3, 2, 3});
  // Mixed dtypes promote (int64 + float32 -> float32).
  Tensor m = cat({tensor({1, 2}, kInt64), tensor({0.5})});
  REQUIRE(m.dtype() == kFloat32);
  REQUIRE(vals(m) == V{1, 2, 0.5});
}

TEST_CASE("cat: gradients split dy back per input", "[join]") {
  Tensor a = iota({2, 1}).requires_grad_(), b = iota({2, 2}).requires_grad_();
  (cat({a, b}, 1) * tensor({1, 2, 3}, kFloat64)).sum().backward();
  REQUIRE(vals(a.grad()) == V{1, 1});
  REQUIRE(vals(b.grad()) == V{2, 3, 2, 3});
  // A float32 input in a float64 cat gets a float32 gradient.
  Tensor f = ones({2}).requires_grad_();
  cat({f, iota({1})}).sum().backward();
  REQUIRE(f.grad().dtype() == kFloat32);
  REQUIRE(vals(f.grad()) == V{1, 1});
}

TEST_CASE("cat: errors name cat, the tensor and the shapes", "[join]") {
  Tensor a = zeros({2, 3}), b = zeros({2, 4}), c = zeros({3});
  REQUIRE_THROWS_AS(cat({a, b}, 0), Error);
  REQUIRE_THROWS_WITH(cat({a, b}, 0),
                      Contains("cat") && Contains("tensor 1") && Contains("(2, 4)") && Contains("(2, 3)"));
  REQUIRE_THROWS_WITH(cat({a, a, c}, 0), Contains("cat") && Contains("tensor 2") && Contains("(3,)"));
  REQUIRE_THROWS_WITH(cat({}, 0), Contains("cat") && Contains("non-empty"));
  REQUIRE_THROWS_WITH(cat({a, scalar_tensor(1.0)}), Contains("cat") && Contains("0-d"));
  REQUIRE_THROWS_WITH(cat({a, a}, 2), Contains("cat") && Contains("axis 2"));
  REQUIRE_THROWS_WITH(cat({a, Tensor()}), Contains("cat") && Contains("undefined"));
}

TEST_CASE("stack: values, shapes, errors", "[join]") {
  Tensor a = iota({2, 3}), b = iota({2, 3}, 10);
  Tensor s0 = stack({a, b});
  REQUIRE(s0.shape() == Shape{2, 2, 3});
  REQUIRE(vals(s0) == V{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15});
  Tensor s2 = stack({a, b}, -1);
  REQUIRE(s2.shape() == Shape{2, 3, 2});
  REQUIRE(vals(s2) == V{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15});
  Tensor s1 = stack({a, b}, 1);
  REQUIRE(s1.shape() == Shape{2, 2, 3});
  REQUIRE(vals(s1) == V{0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15});
  Tensor sc = stack({scalar_tensor(1.0), scalar_tensor(2.0)});  // 0-d inputs stack fine
  REQUIRE(sc.shape() == Shape{2});
  REQUIRE(vals(sc) == V{1, 2});
  REQUIRE_THROWS_WITH(stack({a, iota({3, 2})}), Contains("stack") && Contains("tensor 1") && Contains("(3, 2)"));
  REQUIRE_THROWS_WITH(stack({a, b}, 3), Contains("stack") && Contains("axis 3"));
  REQUIRE_THROWS_WITH(stack({}), Contains("stack"));
}

// ---- split / chunk -------------------------------------------------------------------------

TEST_CASE("split: by size and by sizes", "[join]") {
  Tensor x = iota({5, 2});
  std::vector<Tensor> p = split(x, 2);
  REQUIRE(p.size() == 3);
  REQUIRE(p[0].shape() == Shape{2, 2});
  REQUIRE(p[2].shape() == Shape{1, 2});  // the last piece is smaller
  REQUIRE(vals(p[1]) == V{4, 5, 6, 7});
  REQUIRE(vals(p[2]) == V{8, 9});
  REQUIRE(p[1].storage() == x.storage());  // views
  std::vector<Tensor> q = split(x, {1, 0, 4});
  REQUIRE(q.size() == 3);
  REQUIRE(q[1].shape() == Shape{0, 2});
  REQUIRE(vals(q[2]) == V{2, 3, 4, 5, 6, 7, 8, 9});
  std::vector<Tensor> c = split(x, {1, 1}, -1);
  REQUIRE(vals(c[1]) == V{1, 3, 5, 7, 9});
  REQUIRE(split(x, 7).size() == 1);
  REQUIRE_THROWS_WITH(split(x, {2, 2}), Contains("split") && Contains("sum to 4") && Contains("(5, 2)"));
  REQUIRE_THROWS_WITH(split(x, 0), Contains("split") && Contains("positive"));
  REQUIRE_THROWS_WITH(split(x, {6, -1}), Contains("split") && Contains("-1"));
  REQUIRE_THROWS_WITH(split(x, 1, 2), Contains("split") && Contains("axis 2"));
}

TEST_CASE("chunk: torch.chunk semantics", "[join]") {
  Tensor x = iota({6});
  std::vector<Tensor> a = chunk(x, 4);  // ceil(6/4) = 2 -> 3 pieces
  REQUIRE(a.size() == 3);
  REQUIRE(vals(a[2]) == V{4, 5});
  std::vector<Tensor> b = chunk(iota({5}), 2);
  REQUIRE(b.size() == 2);
  REQUIRE(vals(b[0]) == V{0, 1, 2});
  REQUIRE(vals(b[1]) == V{3, 4});
  std::vector<Tensor> c = chunk(iota({2, 3}), 3, 1);
  REQUIRE(c.size() == 3);
  REQUIRE(vals(c[1]) == V{1, 4});
  REQUIRE(chunk(iota({2}), 5).size() == 2);
  std::vector<Tensor> e = chunk(zeros({0, 2}), 3);  // an empty axis: `chunks` empty pieces
  REQUIRE(e.size() == 3);
  REQUIRE(e[2].shape() == Shape{0, 2});
  REQUIRE_THROWS_WITH(chunk(x, 0), Contains("chunk") && Contains("positive"));
}

// ---- pad -----------------------------------------------------------------------------------

TEST_CASE("pad: constant padding of the last dims first", "[join]") {
  Tensor x = iota({2, 2}, 1);
  Tensor p = pad(x, {1, 2}, 9.0);  // last dim: 1 before, 2 after
  REQUIRE(p.shape() == Shape{2, 5});
  REQUIRE(vals(p) == V{9, 1, 2, 9, 9, 9, 3, 4, 9, 9});
  Tensor q = pad(x, {0, 1, 1, 0});  // last dim: (0, 1); first dim: (1, 0)
  REQUIRE(q.shape() == Shape{3, 3});
  REQUIRE(vals(q) == V{0, 0, 0, 1, 2, 0, 3, 4, 0});
  // Negative padding crops (torch semantics).
  Tensor r = pad(iota({4}), {-1, 1}, 7.0);
  REQUIRE(vals(r) == V{1, 2, 3, 7});
  REQUIRE(vals(pad(iota({4}), {-1, -2})) == V{1});
  REQUIRE(vals(pad(tensor({1, 2}, kInt64), {1, 0}, 5.0)) == V{5, 1, 2});
  REQUIRE(pad(tensor({1, 2}, kInt64), {1, 0}).dtype() == kInt64);
  REQUIRE(vals(pad(x, {})) == V{1, 2, 3, 4});
}

TEST_CASE("pad: gradient is the unpadded window of dy; errors", "[join]") {
  Tensor x = iota({3}).requires_grad_();
  (pad(x, {2, 1}) * tensor({1, 2, 3, 4, 5, 6}, kFloat64)).sum().backward();
  REQUIRE(vals(x.grad()) == V{3, 4, 5});
  Tensor y = iota({2, 3});
  REQUIRE_THROWS_WITH(pad(y, {1}), Contains("pad") && Contains("even"));
  REQUIRE_THROWS_WITH(pad(y, {1, 1, 1, 1, 1, 1}), Contains("pad") && Contains("(2, 3)"));
  REQUIRE_THROWS_WITH(pad(y, {-2, -2}), Contains("pad") && Contains("negative padding"));
}

// ---- gradient checks (float64 central differences) ------------------------------------------
// Products of two pieces / squares make gradgradcheck differentiate through
// the backward (narrow -> view_backward).

TEST_CASE("gradcheck: cat", "[gradcheck]") {
  REQUIRE(check2(
      [](auto a, auto b) {
        auto c = cat({a, b, a}, 1);
        return c * c;
      },
      leaf({2, 3}), leaf({2, 1}, 2)));
  REQUIRE(check2([](auto a, auto b) { return cat({a, b}, 0); }, leaf({1, 3}), leaf({2, 3}, 2)));
}

TEST_CASE("gradcheck: stack", "[gradcheck]") {
  REQUIRE(check2(
      [](auto a, auto b) {
        auto s = stack({a, b}, 1);
        return s * s;
      },
      leaf({2, 3}), leaf({2, 3}, 2)));
}

TEST_CASE("gradcheck: split", "[gradcheck]") {
  REQUIRE(check1(
      [](auto x) {
        auto p = split(x, 2, 1);
        return p[0] * p[1];
      },
      leaf({3, 4})));
  REQUIRE(check1(
      [](auto x) {
        auto p = split(x, {1, 3}, 0);
        return p[1] * 2.0;
      },
      leaf({4, 2})));
}

TEST_CASE("gradcheck: chunk", "[gradcheck]") {
  REQUIRE(check1(
      [](auto x) {
        auto p = chunk(x, 3, 0);
        return p[0] * p[2];
      },
      leaf({6, 2})));
}

TEST_CASE("gradcheck: pad", "[gradcheck]") {
  REQUIRE(check1(
      [](auto x) {
        auto p = pad(x, {1, 2, 0, 1}, 0.5);
        return p * p;
      },
      leaf({2, 3})));
  REQUIRE(check1([](auto x) { return pad(x, {-1, 2}); }, leaf({2, 4})));
}
