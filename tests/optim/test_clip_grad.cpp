// clip_grad_norm_ and clip_grad_value_ against torch.nn.utils.
#include <limits>

#include "optim_helpers.h"

using namespace nabla;
using optim_testing::fixture;

namespace {
// Three parameters whose .grad are the fixture's gradients (fresh copies).
std::vector<Tensor> params_with_grads() {
  std::vector<Tensor> params;
  for (int i = 0; i < 3; ++i) {
    Tensor g = fixture("clip_grad" + std::to_string(i));
    Tensor p = zeros_like(g).requires_grad_();
    p.set_grad(g);
    params.push_back(p);
  }
  return params;
}
std::vector<double> all_grads(const std::vector<Tensor>& params) {
  std::vector<double> out;
  for (const Tensor& p : params) {
    std::vector<double> v = testing::values(p.grad());
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}
}  // namespace

TEST_CASE("optim: clip_grad_norm_ matches PyTorch (p = 2, 1, inf, 3; clipped or not)", "[optim]") {
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    const char* tag;
    double norm_type, max_norm;
  };
  const Case cases[] = {
      {"l2", 2.0, 1.0}, {"l1", 1.0, 2.0}, {"inf", inf, 0.5}, {"l3", 3.0, 1.5}, {"l2_noclip", 2.0, 100.0}};
  std::vector<double> totals = testing::values(fixture("clip_norm_totals"));
  for (size_t i = 0; i < 5; ++i) {
    INFO(cases[i].tag);
    std::vector<Tensor> params = params_with_grads();
    double total = optim::clip_grad_norm_(params, cases[i].max_norm, cases[i].norm_type);
    CHECK(total == Approx(totals[i]).epsilon(1e-6));
    std::vector<double> want = testing::values(fixture(std::string("clip_norm_") + cases[i].tag));
    CHECK(optim_testing::max_rel_error(all_grads(params), want, 1e-3) < 1e-6);
  }
}

TEST_CASE("optim: clip_grad_value_ matches PyTorch", "[optim]") {
  std::vector<Tensor> params = params_with_grads();
  optim::clip_grad_value_(params, 0.3);
  CHECK(all_grads(params) == testing::values(fixture("clip_value")));
}

TEST_CASE("optim: clip_grad edge cases", "[optim]") {
  Tensor a = zeros({3}).requires_grad_(), b = zeros({2}).requires_grad_();
  CHECK(optim::clip_grad_norm_({a, b}, 1.0) == 0.0);  // no gradients: nothing to do
  a.set_grad(tensor({3.0, 4.0, 0.0}));                // b has none and is skipped
  CHECK(optim::clip_grad_norm_({a, b}, 1.0) == Approx(5.0));
  CHECK(testing::values(a.grad())[1] == Approx(0.8).epsilon(1e-5));

  a.set_grad(tensor({1.0, std::numeric_limits<double>::infinity(), 0.0}));
  REQUIRE_THROWS_WITH(optim::clip_grad_norm_({a}, 1.0, 2.0, /*error_if_nonfinite=*/true),
                      Catch::Contains("non-finite") || Catch::Contains("inf"));
  CHECK(testing::values(a.grad())[0] == 1.0);  // untouched
  REQUIRE_THROWS_WITH(optim::clip_grad_norm_({a}, 1.0, 0.0), Catch::Contains("norm_type must be positive"));
  REQUIRE_THROWS_WITH(optim::clip_grad_value_({a}, -1.0), Catch::Contains("clip_value must be >= 0"));

  // A broadcast (stride-0) gradient is made contiguous before the in-place write.
  Tensor c = zeros({2, 3}).requires_grad_();
  c.set_grad(tensor({3.0, 4.0, 12.0}).expand({2, 3}));
  optim::clip_grad_norm_({c}, 1.0);
  CHECK(c.grad().is_contiguous());
  std::vector<double> g = testing::values(c.grad());
  CHECK(g[0] == Approx(3.0 / std::sqrt(338.0)).epsilon(1e-5));
  CHECK(g[3] == Approx(3.0 / std::sqrt(338.0)).epsilon(1e-5));
}
