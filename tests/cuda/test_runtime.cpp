// The CUDA runtime from the outside: transfers both ways, the caching
// allocator's statistics, synchronisation, device errors, random streams.
#include "cuda_helpers.h"

using namespace nabla;
using Catch::Matchers::Contains;
using cuda_testing::cpu;
using cuda_testing::gpu;
using cuda_testing::require_twin;

TEST_CASE("cuda: the device is reported", "[cuda][runtime]") {
  REQUIRE(cuda::built_with_cuda());
  REQUIRE(cuda::is_available());
  REQUIRE(cuda::device_count() >= 1);
  REQUIRE(cuda::current_device() == 0);
  cuda::synchronize();
  REQUIRE_THROWS_AS(cuda::set_device(cuda::device_count()), Error);
}

TEST_CASE("cuda: transfers round-trip every dtype", "[cuda][runtime][transfer]") {
  for (DType dtype : {kFloat32, kFloat64, kInt64, kBool}) {
    INFO(dtype_name(dtype));
    Tensor x = cuda_testing::uniform({7, 13, 5}, kFloat64, -50, 50, 3).astype(dtype);
    Tensor y = x.to(gpu());
    REQUIRE(y.device() == gpu());
    REQUIRE(y.dtype() == dtype);
    Tensor back = y.to(cpu());
    REQUIRE(back.device() == cpu());
    REQUIRE(cuda_testing::host_values(back) == cuda_testing::host_values(x));
  }
  // Tiny (inline-storage sized on the CPU), empty and 0-d tensors.
  for (Shape shape : {Shape{3}, Shape{0}, Shape{}, Shape{2, 0, 3}}) {
    Tensor x = cuda_testing::uniform(shape, kFloat32, -1, 1, 4);
    REQUIRE(cuda_testing::host_values(x.to(gpu()).to(cpu())) == cuda_testing::host_values(x));
  }
  REQUIRE(tensor({2.5}).sum().to(gpu()).item<double>() == 2.5);
}

TEST_CASE("cuda: transfers of non-contiguous views", "[cuda][runtime][transfer]") {
  Tensor x = cuda_testing::uniform({9, 11, 6}, kFloat32, -1, 1, 5);
  // Host views go up laid out contiguously.
  Tensor t = x.transpose(0, 2);
  Tensor s = slice(x, 1, 1, 10, 3);
  Tensor b = x.select(2, 1).unsqueeze(0).expand({4, 9, 11});
  for (const Tensor& v : {t, s, b}) {
    Tensor up = v.to(gpu());
    REQUIRE(up.is_contiguous());
    REQUIRE(cuda_testing::host_values(up) == cuda_testing::host_values(v));
  }
  // Device views come down right.
  Tensor xg = x.to(gpu());
  REQUIRE(cuda_testing::host_values(xg.transpose(0, 2).to(cpu())) == cuda_testing::host_values(t));
  REQUIRE(cuda_testing::host_values(slice(xg, 1, 1, 10, 3).to(cpu())) == cuda_testing::host_values(s));
  REQUIRE(cuda_testing::host_values(xg.select(2, 1).unsqueeze(0).expand({4, 9, 11}).to(cpu())) ==
          cuda_testing::host_values(b));
}

TEST_CASE("cuda: copy_ across devices converts, broadcasts and writes into views", "[cuda][runtime][transfer]") {
  Tensor src = cuda_testing::uniform({5, 1, 7}, kFloat64, -3, 3, 6);
  // host float64 -> strided device float32, broadcast along axis 1
  Tensor dst = zeros({7, 4, 5}, TensorOptions(kFloat32, gpu())).permute({2, 1, 0});
  {
    NoGradGuard no_grad;
    dst.copy_(src);
  }
  Tensor expected = zeros({7, 4, 5}, TensorOptions(kFloat32)).permute({2, 1, 0});
  expected.copy_(src);
  require_twin(dst, expected, 0.0);
  // device float32 -> host int64 view
  // (a 0-d tensor, not a double: scalar operands are a separate path)
  Tensor host = zeros({5, 4, 7}, TensorOptions(kInt64));
  host.copy_(dst * full({}, 10.0, TensorOptions(kFloat32, gpu())));
  Tensor host_expected = zeros({5, 4, 7}, TensorOptions(kInt64));
  host_expected.copy_(expected * full({}, 10.0, TensorOptions(kFloat32)));
  REQUIRE(cuda_testing::host_values(host) == cuda_testing::host_values(host_expected));
}

TEST_CASE("cuda: the caching allocator's statistics", "[cuda][runtime][allocator]") {
  cuda::synchronize();
  const int64_t before = cuda::memory_allocated();
  cuda::reset_peak_memory_stats();
  REQUIRE(cuda::max_memory_allocated() == before);
  {
    Tensor a = empty({1000}, TensorOptions(kFloat32, gpu()));  // 4000 bytes -> a 4096-byte class
    REQUIRE(cuda::memory_allocated() == before + 4096);
    Tensor b = empty({3, 1 << 20}, TensorOptions(kFloat32, gpu()));  // 12 MiB: 2 MiB steps
    REQUIRE(cuda::memory_allocated() == before + 4096 + 12 * (1 << 20));
    REQUIRE(cuda::memory_reserved() >= cuda::memory_allocated());
  }
  REQUIRE(cuda::memory_allocated() == before);
  REQUIRE(cuda::max_memory_allocated() == before + 4096 + 12 * (1 << 20));
  // A freed block is reused: the same size again costs no new reservation.
  const int64_t reserved = cuda::memory_reserved();
  { Tensor c = empty({1000}, TensorOptions(kFloat32, gpu())); }
  REQUIRE(cuda::memory_reserved() == reserved);
  cuda::empty_cache();
  REQUIRE(cuda::memory_reserved() == cuda::memory_allocated());
  cuda::reset_peak_memory_stats();
  REQUIRE(cuda::max_memory_allocated() == cuda::memory_allocated());
}

TEST_CASE("cuda: mixing devices in one op names both devices", "[cuda][runtime][errors]") {
  Tensor a = ones({3, 4});
  Tensor b = ones({3, 4}, TensorOptions(kFloat32, gpu()));
  REQUIRE_THROWS_WITH(a + b, Contains("cpu") && Contains("cuda:0"));
  REQUIRE_THROWS_WITH(matmul(b, a.t()), Contains("cpu") && Contains("cuda:0"));
  REQUIRE_THROWS_WITH(where(gt(b, 0.0), a, b), Contains("cpu") && Contains("cuda:0"));
  REQUIRE_THROWS_AS(ones({2}, TensorOptions(kFloat32, Device::cuda(cuda::device_count()))), Error);
}

TEST_CASE("cuda: random tensors are the CPU's numbers", "[cuda][runtime][random]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    INFO(dtype_name(dtype));
    Generator gc(1234), gg(1234);
    Tensor uc = rand({7, 13, 5}, gc, TensorOptions(dtype));
    Tensor ug = rand({7, 13, 5}, gg, TensorOptions(dtype, gpu()));
    require_twin(ug, uc, 0.0);  // bit for bit: no FMA in the GPU's arithmetic
    Tensor nc = randn({1001}, gc, TensorOptions(dtype));
    Tensor ng = randn({1001}, gg, TensorOptions(dtype, gpu()));
    require_twin(ng, nc, dtype == kFloat64 ? 1e-14 : 1e-7);  // log/cos: CUDA vs glibc
    REQUIRE(gc.state() == gg.state());
  }
  Generator gc(7), gg(7);
  Tensor x = ones({4, 33});
  require_twin(dropout(x.to(gpu()), 0.3, true, gg), dropout(x, 0.3, true, gc), 0.0);
}
