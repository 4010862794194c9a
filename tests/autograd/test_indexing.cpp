// Indexing, gathering, scattering and sorting: forward values against
// hand-computed NumPy/PyTorch results, errors, and gradient checks.
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

Tensor ints(std::vector<int64_t> v, Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return from_vector(v, shape);
}
Tensor bools(std::vector<bool> v, Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return from_vector(v, shape);
}
// 0, 1, 2, ... in float64, of `shape`.
Tensor iota(const Shape& shape) { return arange(static_cast<double>(nabla::numel(shape)), kFloat64).reshape(shape); }
// Squares the op's output: makes gradgradcheck exercise backward of backward
// (the first gradient of a linear op alone would not depend on the input).
Tensor sq(const Tensor& t) { return t * t; }

}  // namespace

// ---- index: basic indices are views ---------------------------------------------------

TEST_CASE("index: integers and slices", "[indexing]") {
  Tensor x = iota({2, 3, 4});
  Tensor r = x.index({1});
  REQUIRE(r.shape() == Shape{3, 4});
  REQUIRE(vals(r) == V{12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
  REQUIRE(r.storage() == x.storage());  // a view
  REQUIRE(vals(x.index({-1, 1})) == V{16, 17, 18, 19});
  REQUIRE(vals(x.index({0, -1, -1})) == V{11});
  REQUIRE(x.index({0, -1, -1}).ndim() == 0);
  REQUIRE(vals(x.index({1, Slice(None, None, 2), Slice(1, 3)})) == V{13, 14, 21, 22});

  Tensor a = iota({5});
  REQUIRE(vals(a.index({Slice(None, None, -2)})) == V{4, 2, 0});
  REQUIRE(vals(a.index({Slice(None, None, -1)})) == V{4, 3, 2, 1, 0});
  REQUIRE(vals(a.index({Slice(1, None, 2)})) == V{1, 3});
  REQUIRE(vals(a.index({Slice(-2, None)})) == V{3, 4});
  REQUIRE(vals(a.index({Slice(3, 0, -1)})) == V{3, 2, 1});
  REQUIRE(vals(a.index({Slice(10, None, -2)})) == V{4, 2, 0});  // start clamps to the end
  REQUIRE(vals(a.index({Slice(-100, 2)})) == V{0, 1});
  REQUIRE(a.index({Slice(4, 1)}).numel() == 0);
  REQUIRE(a.index({Slice(None, -1, -1)}).numel() == 0);  // -1 is the last element, not "before 0"
  REQUIRE(a.index({Slice(None, None, -2)}).storage() == a.storage());
}

TEST_CASE("index: ellipsis and newaxis shapes", "[indexing]") {
  Tensor x = iota({2, 3, 4});
  REQUIRE(x.index({ellipsis}).shape() == Shape{2, 3, 4});
  REQUIRE(x.index({ellipsis, newaxis}).shape() == Shape{2, 3, 4, 1});
  REQUIRE(x.index({newaxis, ellipsis, 0}).shape() == Shape{1, 2, 3});
  REQUIRE(x.index({newaxis, 1, newaxis}).shape() == Shape{1, 1, 3, 4});
  REQUIRE(vals(x.index({ellipsis, 1})) == V{1, 5, 9, 13, 17, 21});
  REQUIRE(x.index({1, ellipsis, 2, 3}).ndim() == 0);  // ellipsis covering no dims
  REQUIRE(vals(x.index({1, ellipsis, 2, 3})) == V{23});
  Tensor r = x.index({0, ellipsis, newaxis, Slice(1, 3)});
  REQUIRE(r.shape() == Shape{3, 1, 2});
  REQUIRE(vals(r) == V{1, 2, 5, 6, 9, 10});
  REQUIRE(r.storage() == x.storage());
}

// ---- index: masks and integer arrays (copies) --------------------------------------------

TEST_CASE("index: bool masks", "[indexing]") {
  Tensor x = iota({2, 3});
  Tensor all = x.index({x > 2.5});  // a mask over every dim: 1-D result
  REQUIRE(all.shape() == Shape{3});
  REQUIRE(vals(all) == V{3, 4, 5});
  Tensor rows = x.index({bools({true, false})});  // over dim 0
  REQUIRE(rows.shape() == Shape{1, 3});
  REQUIRE(vals(rows) == V{0, 1, 2});
  Tensor cols = x.index({Slice(), bools({true, false, true})});
  REQUIRE(cols.shape() == Shape{2, 2});
  REQUIRE(vals(cols) == V{0, 2, 3, 5});
  REQUIRE(x.index({ellipsis, bools({false, true, true})}).shape() == Shape{2, 2});
  REQUIRE(x.index({bools({false, false})}).shape() == Shape{0, 3});
  // A 0-d mask adds a dim of 1 (true) or 0 (false), as NumPy's x[True].
  REQUIRE(x.index({scalar_tensor(1, kBool)}).shape() == Shape{1, 2, 3});
  REQUIRE(x.index({scalar_tensor(0, kBool)}).shape() == Shape{0, 2, 3});
  // Masks over two of three dims.
  Tensor y = iota({2, 2, 3});
  Tensor m = bools({true, false, false, true}, {2, 2});
  REQUIRE(y.index({m}).shape() == Shape{2, 3});
  REQUIRE(vals(y.index({m})) == V{0, 1, 2, 9, 10, 11});
}

TEST_CASE("index: int64 index arrays", "[indexing]") {
  Tensor x = iota({3, 4});
  Tensor r = x.index({ints({2, 0, -1})});
  REQUIRE(r.shape() == Shape{3, 4});
  REQUIRE(vals(r) == V{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
  REQUIRE(vals(x.index({Slice(), ints({3, 0})})) == V{3, 0, 7, 4, 11, 8});
  REQUIRE(x.index({ints({0, 1, 1, 2}, {2, 2})}).shape() == Shape{2, 2, 4});
  // Two arrays pair up (and broadcast).
  REQUIRE(vals(x.index({ints({0, 2}), ints({1, 3})})) == V{1, 11});
  Tensor b = x.index({ints({0, 2}, {2, 1}), ints({1, 3})});
  REQUIRE(b.shape() == Shape{2, 2});
  REQUIRE(vals(b) == V{1, 3, 9, 11});
  REQUIRE(x.index({ints({}), Slice()}).shape() == Shape{0, 4});

  Tensor y = iota({2, 3, 4});
  // Adjacent arrays after a slice: B stays in place.
  Tensor adj = y.index({Slice(), ints({0, 2}), ints({1, 3})});
  REQUIRE(adj.shape() == Shape{2, 2});
  REQUIRE(vals(adj) == V{1, 11, 13, 23});
  // Separated by a slice: B goes first (NumPy).
  Tensor sep = y.index({ints({0, 1}), Slice(), ints({1, 2})});
  REQUIRE(sep.shape() == Shape{2, 3});
  REQUIRE(vals(sep) == V{1, 5, 9, 14, 18, 22});
  // With arrays present an integer is a 0-d array: a[0, :, [0, 1]] is (2, 3) in NumPy.
  Tensor mixed = y.index({0, Slice(), ints({0, 1})});
  REQUIRE(mixed.shape() == Shape{2, 3});
  REQUIRE(vals(mixed) == V{0, 4, 8, 1, 5, 9});
  // A mask and an array together.
  Tensor mk = y.index({bools({false, true}), Slice(), ints({3})});
  REQUIRE(mk.shape() == Shape{1, 3});
  REQUIRE(vals(mk) == V{15, 19, 23});
  // newaxis before an array.
  REQUIRE(x.index({newaxis, ints({1})}).shape() == Shape{1, 1, 4});
}

TEST_CASE("index: gradients scatter back, repeated indices accumulate", "[indexing]") {
  Tensor x = iota({3}).requires_grad_();
  x.index({ints({0, 0, 2, 0})}).sum().backward();
  REQUIRE(vals(x.grad()) == V{3, 0, 1});
  Tensor y = iota({2, 3}).requires_grad_();
  (y.index({y.detach() > 1.5}) * 2.0).sum().backward();
  REQUIRE(vals(y.grad()) == V{0, 0, 2, 2, 2, 2});
  Tensor z = iota({4}).requires_grad_();
  z.index({Slice(None, None, -2)}).sum().backward();
  REQUIRE(vals(z.grad()) == V{0, 1, 0, 1});
}

TEST_CASE("index: errors name index and the shapes", "[indexing]") {
  Tensor x = iota({2, 3});
  REQUIRE_THROWS_AS(x.index({0, 0, 0}), Error);
  REQUIRE_THROWS_WITH(x.index({0, 0, 0}), Contains("index") && Contains("too many") && Contains("(2, 3)"));
  REQUIRE_THROWS_WITH(x.index({2}), Contains("index") && Contains("out of bounds") && Contains("size 2"));
  REQUIRE_THROWS_WITH(x.index({Slice(), -4}), Contains("index -4") && Contains("(2, 3)"));
  REQUIRE_THROWS_AS(x.index({bools({true, false, true})}), Error);
  REQUIRE_THROWS_WITH(x.index({bools({true, false, true})}),
                      Contains("index") && Contains("mask of shape (3,)") && Contains("(2, 3)"));
  REQUIRE_THROWS_WITH(x.index({tensor({0.0, 1.0})}), Contains("index") && Contains("float32"));
  REQUIRE_THROWS_WITH(x.index({ints({0, 5})}), Contains("index 5") && Contains("size 2"));
  REQUIRE_THROWS_WITH(x.index({ellipsis, 0, ellipsis}), Contains("index") && Contains("single ellipsis"));
  REQUIRE_THROWS_WITH(x.index({Slice(None, None, 0)}), Contains("index") && Contains("step"));
  REQUIRE_THROWS_WITH(x.index({ints({0, 1}), ints({0, 1, 2})}),
                      Contains("index") && Contains("(2,)") && Contains("(3,)"));
  REQUIRE_THROWS_AS(x.index({bools({true, false, true, false}, {2, 2})}), Error);
}

// ---- index_put_ ----------------------------------------------------------------------------

TEST_CASE("index_put_: basic, mask and array assignment", "[indexing]") {
  Tensor x = zeros({3, 4}, kFloat64);
  uint32_t v0 = x.version();
  x.index_put_({1}, 5.0);
  REQUIRE(x.version() > v0);
  REQUIRE(vals(x.index({1})) == V{5, 5, 5, 5});
  x.index_put_({Slice(), Slice(None, None, 3)}, tensor({7.0, 8.0}));  // broadcast over rows
  REQUIRE(vals(x) == V{7, 0, 0, 8, 7, 5, 5, 8, 7, 0, 0, 8});
  x.index_put_({x > 6.5}, 1.0);
  REQUIRE(vals(x) == V{1, 0, 0, 1, 1, 5, 5, 1, 1, 0, 0, 1});
  Tensor y = zeros({4}, kFloat64);
  uint32_t v1 = y.version();
  y.index_put_({ints({3, 0, 3})}, tensor({1.0, 2.0, 3.0}, kFloat64));  // repeated: the last wins
  REQUIRE(y.version() > v1);
  REQUIRE(vals(y) == V{2, 0, 0, 3});
  Tensor z = zeros({2, 3, 2}, kInt64);
  z.index_put_({ints({0, 1}), Slice(), ints({1, 0})}, tensor({4.0, 6.0, 8.0}));  // value (3,) broadcasts to (2, 3)
  REQUIRE(vals(z) == V{0, 4, 0, 6, 0, 8, 4, 0, 6, 0, 8, 0});
  Tensor w = zeros({2, 3}, kFloat64);
  w.index_put_({Slice(), ints({2, 0})}, tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64));
  REQUIRE(vals(w) == V{2, 0, 1, 4, 0, 3});
  // Through a view of w: the view's storage is written.
  Tensor row = w.index({1});
  row.index_put_({ints({1})}, 9.0);
  REQUIRE(vals(w) == V{2, 0, 1, 4, 9, 3});
}

TEST_CASE("index_put_: errors", "[indexing]") {
  Tensor p = zeros({3}, kFloat64).requires_grad_();
  REQUIRE_THROWS_WITH(p.index_put_({0}, 1.0), Contains("index_put_") && Contains("requires grad"));
  {
    NoGradGuard guard;  // as an optimizer would
    p.index_put_({ints({0, 2})}, 1.0);
  }
  REQUIRE(vals(p) == V{1, 0, 1});
  Tensor x = zeros({2, 3}, kFloat64);
  REQUIRE_THROWS_WITH(x.index_put_({0}, tensor({1.0, 2.0})), Contains("index_put_") && Contains("(2,)"));
  REQUIRE_THROWS_WITH(x.index_put_({ints({0, 1})}, tensor({1.0, 2.0})), Contains("index_put_"));
  REQUIRE_THROWS_WITH(x.index_put_({5}, 1.0), Contains("index_put_") && Contains("out of bounds"));
}

// ---- gather / scatter_add / index_select / index_add --------------------------------------

TEST_CASE("gather and scatter_add: values", "[indexing]") {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}}, kFloat64);
  Tensor g = gather(x, 1, ints({2, 0, 1, 1}, {2, 2}));
  REQUIRE(g.shape() == Shape{2, 2});
  REQUIRE(vals(g) == V{3, 1, 5, 5});
  REQUIRE(vals(gather(x, 0, ints({1, 0, 1}, {1, 3}))) == V{4, 2, 6});
  REQUIRE(vals(gather(x, -1, ints({0}, {1, 1}))) == V{1});           // smaller than x in the other dim
  REQUIRE(vals(gather(x.t(), 0, ints({1, 0}, {2, 1}))) == V{2, 1});  // a transposed (strided) input

  Tensor base = zeros({2, 3}, kFloat64);
  Tensor s = scatter_add(base, 1, ints({0, 0, 2, 1}, {2, 2}), tensor({{1, 2}, {3, 4}}, kFloat64));
  REQUIRE(vals(s) == V{3, 0, 0, 0, 4, 3});
  REQUIRE(vals(base) == V{0, 0, 0, 0, 0, 0});  // out of place
  // src larger than index: only the indexed corner is added.
  Tensor s2 = scatter_add(ones({3}, kFloat64), 0, ints({2, 2}), tensor({5, 6, 7}, kFloat64));
  REQUIRE(vals(s2) == V{1, 1, 12});
  // int64 input with float src promotes.
  Tensor s3 = scatter_add(zeros({2}, kInt64), 0, ints({1}), tensor({0.5}));
  REQUIRE(s3.dtype() == kFloat32);
  REQUIRE(vals(s3) == V{0, 0.5});
}

TEST_CASE("index_select and index_add: values", "[indexing]") {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}}, kFloat64);
  Tensor r = index_select(x, 1, ints({2, 2, 0}));
  REQUIRE(r.shape() == Shape{2, 3});
  REQUIRE(vals(r) == V{3, 3, 1, 6, 6, 4});
  REQUIRE(vals(index_select(x, 0, ints({1}))) == V{4, 5, 6});
  REQUIRE(index_select(x, 0, ints({})).shape() == Shape{0, 3});
  Tensor a = index_add(zeros({3, 2}, kFloat64), 0, ints({2, 0, 2}), tensor({{1, 2}, {3, 4}, {5, 6}}, kFloat64));
  REQUIRE(vals(a) == V{3, 4, 0, 0, 6, 8});
  Tensor b = index_add(ones({2, 2}, kFloat64), -1, ints({1}), tensor({10, 20}, kFloat64).reshape({2, 1}));
  REQUIRE(vals(b) == V{1, 11, 1, 21});
}

TEST_CASE("index_select: a batch of rows big enough to split across threads matches row-by-row selection",
          "[indexing]") {
  // 37 rows of 1,001 floats (~145 KiB): over the kernel's split size, so at
  // 2 threads each thread copies its own rows (kernels/cpu/index.cpp); an
  // odd count, so the two shares differ. Also along axis 1 with 2 outer rows.
  const Tensor x = arange(0, 200 * 1001, 1, TensorOptions(kFloat32)).reshape({200, 1001});
  std::vector<int64_t> picks, picks_100;
  for (int64_t j = 0; j < 37; ++j) picks.push_back((j * 53 + 11) % 200);
  for (int64_t p : picks) picks_100.push_back(p % 100);
  const Tensor idx = ints(picks);
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    set_num_threads(threads);
    const Tensor r = index_select(x, 0, idx);
    REQUIRE(r.shape() == Shape{37, 1001});
    for (int64_t j = 0; j < 37; ++j) REQUIRE(vals(r.select(0, j)) == vals(x.select(0, picks[j])));
    const Tensor c = index_select(x.reshape({2, 100, 1001}), 1, ints(picks_100));
    REQUIRE(c.shape() == Shape{2, 37, 1001});
    for (int64_t o = 0; o < 2; ++o)
      for (int64_t j = 0; j < 37; ++j)
        REQUIRE(vals(c.select(0, o).select(0, j)) == vals(x.select(0, o * 100 + picks_100[j])));
  }
  set_num_threads(1);
}

TEST_CASE("gather/scatter/index_select/index_add: errors name the op, value and size", "[indexing]") {
  Tensor x = zeros({2, 3}, kFloat64);
  REQUIRE_THROWS_AS(gather(x, 1, ints({5, 0}, {1, 2})), Error);
  REQUIRE_THROWS_WITH(gather(x, 1, ints({5, 0}, {1, 2})),
                      Contains("gather") && Contains("index 5") && Contains("size 3"));
  REQUIRE_THROWS_WITH(gather(x, 1, ints({-1}, {1, 1})), Contains("gather") && Contains("index -1"));
  REQUIRE_THROWS_WITH(gather(x, 1, tensor({0.0}).reshape({1, 1})), Contains("gather") && Contains("int64"));
  REQUIRE_THROWS_WITH(gather(x, 1, ints({0})), Contains("gather") && Contains("dims"));
  REQUIRE_THROWS_WITH(gather(x, 1, ints({0, 0, 0}, {3, 1})), Contains("gather") && Contains("(3, 1)"));
  REQUIRE_THROWS_WITH(gather(x, 2, ints({0}, {1, 1})), Contains("gather") && Contains("axis 2"));
  REQUIRE_THROWS_WITH(scatter_add(x, 0, ints({2}, {1, 1}), ones({1, 1}, kFloat64)),
                      Contains("scatter_add") && Contains("index 2") && Contains("size 2"));
  REQUIRE_THROWS_WITH(scatter_add(x, 0, ints({0, 0}, {1, 2}), ones({1, 1}, kFloat64)),
                      Contains("scatter_add") && Contains("src"));
  REQUIRE_THROWS_WITH(index_select(x, 1, ints({3})),
                      Contains("index_select") && Contains("index 3") && Contains("size 3"));
  REQUIRE_THROWS_WITH(index_select(x, 1, ints({0, 1}, {1, 2})), Contains("index_select") && Contains("1-D"));
  REQUIRE_THROWS_WITH(index_select(x, 0, tensor({0.0})), Contains("index_select") && Contains("int64"));
  REQUIRE_THROWS_WITH(index_add(x, 0, ints({7}), ones({1, 3}, kFloat64)),
                      Contains("index_add") && Contains("index 7") && Contains("size 2"));
  REQUIRE_THROWS_WITH(index_add(x, 0, ints({0}), ones({2, 3}, kFloat64)), Contains("index_add") && Contains("(2, 3)"));
}

// ---- masked_select / nonzero / one_hot -----------------------------------------------------

TEST_CASE("masked_select, nonzero, one_hot: values", "[indexing]") {
  Tensor x = tensor({{1, -2, 3}, {-4, 5, -6}}, kFloat64);
  REQUIRE(vals(masked_select(x, x > 0.0)) == V{1, 3, 5});
  // The mask broadcasts over x's rows.
  REQUIRE(vals(masked_select(x, bools({false, true, true}))) == V{-2, 3, 5, -6});
  REQUIRE(masked_select(x, x > 10.0).shape() == Shape{0});

  Tensor nz = nonzero(tensor({{0, 1, 0}, {2, 0, 3}}));
  REQUIRE(nz.dtype() == kInt64);
  REQUIRE(nz.shape() == Shape{3, 2});
  REQUIRE(vals(nz) == V{0, 1, 1, 0, 1, 2});
  REQUIRE(nonzero(zeros({4})).shape() == Shape{0, 1});
  REQUIRE(vals(nonzero(bools({false, true, true}))) == V{1, 2});

  Tensor oh = one_hot(ints({0, 2, 1}));
  REQUIRE(oh.dtype() == kInt64);
  REQUIRE(oh.shape() == Shape{3, 3});
  REQUIRE(vals(oh) == V{1, 0, 0, 0, 0, 1, 0, 1, 0});
  REQUIRE(one_hot(ints({1, 0}, {2, 1}), 4).shape() == Shape{2, 1, 4});
  REQUIRE(vals(one_hot(ints({1, 0}, {2, 1}), 4)) == V{0, 1, 0, 0, 1, 0, 0, 0});
}

TEST_CASE("masked_select, one_hot: errors", "[indexing]") {
  Tensor x = zeros({2, 3}, kFloat64);
  REQUIRE_THROWS_WITH(masked_select(x, ones({2, 3})), Contains("masked_select") && Contains("bool"));
  REQUIRE_THROWS_WITH(masked_select(x, bools({true, false})), Contains("masked_select") && Contains("(2,)"));
  REQUIRE_THROWS_AS(one_hot(ints({0, -1})), Error);
  REQUIRE_THROWS_WITH(one_hot(ints({0, -1})), Contains("one_hot") && Contains("-1"));
  REQUIRE_THROWS_WITH(one_hot(ints({0, 3}), 3), Contains("one_hot") && Contains("label 3"));
  REQUIRE_THROWS_WITH(one_hot(tensor({1.0})), Contains("one_hot") && Contains("int64"));
  REQUIRE_THROWS_WITH(one_hot(ints({})), Contains("one_hot") && Contains("empty"));
}

// ---- sort / argsort / topk ---------------------------------------------------------------

TEST_CASE("sort and argsort: values, stability, axes", "[indexing]") {
  Tensor x = tensor({3, 1, 2, 1}, kFloat64);
  auto [v, i] = sort(x);
  REQUIRE(vals(v) == V{1, 1, 2, 3});
  REQUIRE(vals(i) == V{1, 3, 2, 0});  // stable: the first 1 comes first
  auto [vd, id] = sort(x, -1, /*descending=*/true);
  REQUIRE(vals(vd) == V{3, 2, 1, 1});
  REQUIRE(vals(id) == V{0, 2, 1, 3});
  REQUIRE(vals(argsort(x)) == V{1, 3, 2, 0});
  REQUIRE(vals(x) == V{3, 1, 2, 1});  // the input is untouched

  Tensor m = tensor({{5, 0, 2}, {1, 4, 3}}, kFloat64);
  auto [v0, i0] = sort(m, 0);
  REQUIRE(v0.shape() == Shape{2, 3});
  REQUIRE(vals(v0) == V{1, 0, 2, 5, 4, 3});
  REQUIRE(vals(i0) == V{1, 0, 0, 0, 1, 1});
  REQUIRE(vals(argsort(m, 1, true)) == V{0, 2, 1, 1, 2, 0});
  REQUIRE(vals(sort(tensor({2, 0, 1}, kInt64)).first) == V{0, 1, 2});
  REQUIRE(sort(scalar_tensor(4.0)).first.item() == 4.0);
}

TEST_CASE("topk: values, indices, ties, smallest", "[indexing]") {
  Tensor x = tensor({1, 3, 3, 2}, kFloat64);
  auto [v, i] = topk(x, 2);
  REQUIRE(vals(v) == V{3, 3});
  REQUIRE(vals(i) == V{1, 2});  // ties keep index order
  auto [vs, is] = topk(x, 3, 0, /*largest=*/false);
  REQUIRE(vals(vs) == V{1, 2, 3});
  REQUIRE(vals(is) == V{0, 3, 1});
  Tensor m = tensor({{5, 0, 2}, {1, 4, 3}}, kFloat64);
  auto [vm, im] = topk(m, 1, 1);
  REQUIRE(vm.shape() == Shape{2, 1});
  REQUIRE(vals(vm) == V{5, 4});
  REQUIRE(vals(im) == V{0, 1});
  REQUIRE(topk(m, 0, 0).first.shape() == Shape{0, 3});
  REQUIRE_THROWS_WITH(topk(m, 4, 1), Contains("topk") && Contains("k = 4") && Contains("size 3"));
  REQUIRE_THROWS_WITH(sort(m, 2), Contains("sort") && Contains("axis 2"));
}

TEST_CASE("topk and sort: gradients go back to the source positions", "[indexing]") {
  Tensor x = tensor({0.5, 3, 2, 1}, kFloat64).requires_grad_();
  Tensor w = tensor({10, 20}, kFloat64);
  (topk(x, 2).first * w).sum().backward();
  REQUIRE(vals(x.grad()) == V{0, 10, 20, 0});
  Tensor y = tensor({0.5, 3, 2}, kFloat64).requires_grad_();
  (sort(y).first * tensor({1, 2, 3}, kFloat64)).sum().backward();
  REQUIRE(vals(y.grad()) == V{1, 3, 2});
}

// ---- gradient checks (float64 central differences) -------------------------------------------
// Each op is squared (sq) in one of its checks so that gradgradcheck has a
// first gradient that depends on the input: it then differentiates through
// the op's backward (scatter_add for gather, index_add for index_select, ...).

TEST_CASE("gradcheck: index", "[gradcheck]") {
  Tensor x = leaf({3, 4, 2});
  REQUIRE(check1([](auto t) { return t.index({1, Slice(None, None, -2)}); }, x));
  REQUIRE(check1([](auto t) { return sq(t.index({ellipsis, newaxis, Slice(1, None)})); }, x));
  REQUIRE(check1([](auto t) { return sq(t.index({ints({2, 0, 2, -1})})); }, x));
  REQUIRE(check1([](auto t) { return sq(t.index({ints({0, 2}), Slice(), ints({1, 0})})); }, x));
  REQUIRE(check1([](auto t) { return sq(t.index({Slice(), ints({3, 1}, {2, 1}), ints({0, 1})})); }, x));
  Tensor mask = bools({true, false, true, true, false, false, true, false, true, true, true, false}, {3, 4});
  REQUIRE(check1([mask](auto t) { return sq(t.index({mask})); }, x));
  REQUIRE(check1([](auto t) { return t.index({0, Slice(), ints({1})}); }, x));
}

TEST_CASE("gradcheck: gather", "[gradcheck]") {
  Tensor idx = ints({2, 0, 0, 1, 1, 1, 3, 2, 0}, {3, 3});
  REQUIRE(check1([idx](auto t) { return sq(gather(t, 1, idx)); }, leaf({3, 4})));
  REQUIRE(check1([](auto t) { return gather(t, 0, ints({2, 0, 1, 1}, {2, 2})); }, leaf({3, 4})));
}

TEST_CASE("gradcheck: scatter_add", "[gradcheck]") {
  Tensor idx = ints({0, 2, 2, 1}, {2, 2});
  REQUIRE(check2([idx](auto a, auto b) { return sq(scatter_add(a, 1, idx, b)); }, leaf({2, 3}), leaf({2, 2}, 2)));
  // src larger than index in dim 1.
  REQUIRE(check2([idx](auto a, auto b) { return scatter_add(a, 1, idx, b); }, leaf({2, 3}), leaf({2, 4}, 2)));
}

TEST_CASE("gradcheck: index_select", "[gradcheck]") {
  Tensor idx = ints({3, 0, 3});
  REQUIRE(check1([idx](auto t) { return sq(index_select(t, 1, idx)); }, leaf({2, 4})));
  REQUIRE(check1([idx](auto t) { return index_select(t, 0, idx); }, leaf({4, 3})));
}

TEST_CASE("gradcheck: index_add", "[gradcheck]") {
  Tensor idx = ints({1, 1, 0});
  REQUIRE(check2([idx](auto a, auto b) { return sq(index_add(a, 0, idx, b)); }, leaf({2, 3}), leaf({3, 3}, 2)));
}

TEST_CASE("gradcheck: masked_select", "[gradcheck]") {
  Tensor mask = bools({true, false, true, true, false, true});
  REQUIRE(check1([mask](auto t) { return sq(masked_select(t, mask)); }, leaf({2, 6})));
}

TEST_CASE("gradcheck: topk", "[gradcheck]") {
  REQUIRE(check1([](auto t) { return sq(topk(t, 2, 1).first); }, leaf({3, 5})));
  REQUIRE(check1([](auto t) { return topk(t, 2, 0, false).first; }, leaf({3, 5}, 2)));
}

TEST_CASE("gradcheck: sort", "[gradcheck]") {
  REQUIRE(check1([](auto t) { return sq(sort(t, 1).first); }, leaf({3, 4})));
  REQUIRE(check1([](auto t) { return sort(t, 0, true).first; }, leaf({3, 4}, 2)));
}
