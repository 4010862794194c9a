// matmul on the GPU (cuBLAS for floats, a plain kernel for int64) against the
// CPU: odd sizes, transposed and sliced operands (the transpose trick and the
// copy fallback), batches with broadcasting, the TF32 switch.
#include "cuda_helpers.h"

using namespace nabla;
using cuda_testing::gpu;
using cuda_testing::kTolBlasF32;
using cuda_testing::require_twin;

namespace {
double tol(DType dtype) { return dtype == kFloat32 ? kTolBlasF32 : cuda_testing::kTolF64; }
}  // namespace

TEST_CASE("cuda: matmul of odd sizes and transposed operands", "[cuda][matmul]") {
  REQUIRE_FALSE(cuda::allow_tf32());
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor a = cuda_testing::uniform({7, 13}, dtype, -1, 1, 61);
    Tensor b = cuda_testing::uniform({13, 5}, dtype, -1, 1, 62);
    Tensor at = cuda_testing::uniform({13, 7}, dtype, -1, 1, 63);  // used as at.t()
    Tensor bt = cuda_testing::uniform({5, 13}, dtype, -1, 1, 64);
    Tensor ag = a.to(gpu()), bg = b.to(gpu()), atg = at.to(gpu()), btg = bt.to(gpu());
    INFO(dtype_name(dtype));
    require_twin(matmul(ag, bg), matmul(a, b), tol(dtype));
    require_twin(matmul(atg.t(), bg), matmul(at.t(), b), tol(dtype));
    require_twin(matmul(ag, btg.t()), matmul(a, bt.t()), tol(dtype));
    require_twin(matmul(atg.t(), btg.t()), matmul(at.t(), bt.t()), tol(dtype));
    // Stepped slices: neither stride is 1, so the operand is copied first.
    Tensor big = cuda_testing::uniform({14, 26}, dtype, -1, 1, 65);
    Tensor s = slice(slice(big, 0, 0, std::nullopt, 2), 1, 0, std::nullopt, 2);  // [7, 13]
    require_twin(matmul(slice(slice(big.to(gpu()), 0, 0, std::nullopt, 2), 1, 0, std::nullopt, 2), bg), matmul(s, b),
                 tol(dtype));
    // Vectors: matrix @ vector, vector @ matrix, dot.
    Tensor v = cuda_testing::uniform({13}, dtype, -1, 1, 66);
    require_twin(matmul(ag, v.to(gpu())), matmul(a, v), tol(dtype));
    require_twin(matmul(v.to(gpu()), bg), matmul(v, b), tol(dtype));
    require_twin(matmul(v.to(gpu()), v.to(gpu())), matmul(v, v), tol(dtype));
  }
}

TEST_CASE("cuda: batched matmul with broadcasting, and int64", "[cuda][matmul]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor a = cuda_testing::uniform({3, 7, 13}, dtype, -1, 1, 67);
    Tensor b = cuda_testing::uniform({3, 13, 5}, dtype, -1, 1, 68);
    Tensor w = cuda_testing::uniform({13, 5}, dtype, -1, 1, 69);
    INFO(dtype_name(dtype));
    require_twin(matmul(a.to(gpu()), b.to(gpu())), matmul(a, b), tol(dtype));
    require_twin(matmul(a.to(gpu()), w.to(gpu())), matmul(a, w), tol(dtype));  // b broadcast over the batch
    require_twin(matmul(b.to(gpu()).transpose(1, 2), a.to(gpu()).transpose(1, 2)),
                 matmul(b.transpose(1, 2), a.transpose(1, 2)), tol(dtype));
    Tensor a4 = cuda_testing::uniform({2, 1, 7, 13}, dtype, -1, 1, 70);
    require_twin(matmul(a4.to(gpu()), b.to(gpu())), matmul(a4, b), tol(dtype));
  }
  Tensor ai = cuda_testing::uniform({2, 7, 13}, kFloat64, -5, 5, 71).astype(kInt64);
  Tensor bi = cuda_testing::uniform({13, 5}, kFloat64, -5, 5, 72).astype(kInt64);
  require_twin(matmul(ai.to(gpu()), bi.to(gpu())), matmul(ai, bi), 0.0);
  Tensor empty_k = zeros({4, 0});
  require_twin(matmul(empty_k.to(gpu()), zeros({0, 3}).to(gpu())), matmul(empty_k, zeros({0, 3})), 0.0);
}

TEST_CASE("cuda: the TF32 switch", "[cuda][matmul]") {
  Tensor a = cuda_testing::uniform({64, 96}, kFloat32, -1, 1, 73);
  Tensor b = cuda_testing::uniform({96, 48}, kFloat32, -1, 1, 74);
  cuda::set_allow_tf32(true);
  REQUIRE(cuda::allow_tf32());
  Tensor y = matmul(a.to(gpu()), b.to(gpu()));
  cuda::set_allow_tf32(false);
  require_twin(y, matmul(a, b), 1e-2);  // 10-bit mantissa products
  require_twin(matmul(a.to(gpu()), b.to(gpu())), matmul(a, b), kTolBlasF32);
}
