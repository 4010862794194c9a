// Misuse throws nabla::Error naming the op and the offending shapes/values.
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace nabla;
using Catch::Contains;

TEST_CASE("shape errors name the op and both shapes", "[errors]") {
  REQUIRE_THROWS_WITH(matmul(zeros({32, 784}), zeros({128, 64})),
                      "matmul: shapes (32, 784) and (128, 64) are not aligned: 784 != 128");
  REQUIRE_THROWS_WITH(zeros({2, 3}) + zeros({4}), Contains("add") && Contains("(2, 3)") && Contains("(4,)"));
  REQUIRE_THROWS_WITH(zeros({6}).reshape({4, 2}), Contains("reshape") && Contains("(4, 2)"));
  REQUIRE_THROWS_WITH(zeros({2, 3}).expand({4, 3}), Contains("expand"));
  REQUIRE_THROWS_WITH(zeros({2, 3}).permute({0, 0}), Contains("permute"));
}

TEST_CASE("axis and index errors", "[errors]") {
  REQUIRE_THROWS_WITH(sum(zeros({2, 3}), {2}), Contains("sum") && Contains("axis 2"));
  REQUIRE_THROWS_WITH(zeros({2, 3}).select(1, 3), Contains("select") && Contains("index 3") && Contains("size 3"));
  REQUIRE_THROWS_WITH(zeros({2, 3}).narrow(0, 1, 5), Contains("narrow"));
  REQUIRE_THROWS_WITH(max(zeros({0})), Contains("max"));
}

TEST_CASE("dtype errors", "[errors]") {
  REQUIRE_THROWS_WITH(zeros({2}).data<double>(), Contains("float32"));
  REQUIRE_THROWS_WITH(ones({2}, kInt64).requires_grad_(), Contains("floating-point"));
  REQUIRE_THROWS_WITH(matmul(ones({2, 2}, kBool), ones({2, 2}, kBool)), Contains("matmul") && Contains("bool"));
  REQUIRE_THROWS_WITH(where(ones({2}), ones({2}), ones({2})), Contains("where") && Contains("bool"));
  REQUIRE_THROWS_WITH(autograd::gradcheck([](const std::vector<Tensor>& x) { return x[0]; }, {ones({2})}),
                      Contains("float64"));
}

TEST_CASE("device errors name the device", "[errors]") {
  Tensor a = zeros({2});
  // A CUDA tensor cannot exist in a CPU-only run, so the move is the error.
  if (!cuda::is_available()) REQUIRE_THROWS_WITH(a.to(Device::cuda(0)), Contains("cuda:0"));
}

TEST_CASE("creating a CUDA tensor without a GPU is a clear error", "[errors][cuda]") {
  if (cuda::is_available()) return;  // the GPU tests (tests/cuda/) cover this machine
  // The message says which device, and why it is missing: no backend in
  // this build, or no device/driver on this machine.
  const char* why = cuda::built_with_cuda() ? "no CUDA device or driver was found" : "has no CUDA backend";
  REQUIRE_THROWS_WITH(zeros({2}, TensorOptions(kFloat32, Device::cuda(0))), Contains("cuda:0") && Contains(why));
  REQUIRE_THROWS_WITH(empty({1000}, kFloat64, Device::cuda(1)), Contains("cuda:1") && Contains(why));
  REQUIRE_THROWS_AS(randn({3, 3}, default_generator(), TensorOptions(kFloat32, Device::cuda())), Error);
  // The statistics and synchronize() are harmless without a GPU.
  REQUIRE(cuda::memory_allocated() == 0);
  REQUIRE(cuda::max_memory_allocated() == 0);
  cuda::synchronize();
  cuda::empty_cache();
  REQUIRE_FALSE(cuda::allow_tf32());
}
