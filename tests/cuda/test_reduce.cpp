// Reductions on the GPU against the CPU: every ReduceOp over single axes,
// several axes and everything (the thread-per-output and block-per-output
// paths), on odd sizes and non-contiguous views; argmax/argmin; the composed
// reductions (mean, var, logsumexp, softmax).
#include "cuda_helpers.h"

using namespace nabla;
using cuda_testing::gpu;
using cuda_testing::require_twin;

TEST_CASE("cuda: sum, prod, max, min over any axes", "[cuda][reduce]") {
  const std::vector<Shape> axis_sets = {{0}, {1}, {2}, {0, 2}, {1, 2}, {0, 1, 2}};
  for (DType dtype : {kFloat32, kFloat64, kInt64}) {
    Tensor x = cuda_testing::uniform({7, 13, 5}, kFloat64, dtype == kInt64 ? -9 : 0.5, dtype == kInt64 ? 9 : 1.5, 51)
                   .astype(dtype);
    Tensor xg = x.to(gpu());
    for (const Shape& axes : axis_sets) {
      INFO(dtype_name(dtype) << " axes " << shape_str(axes));
      require_twin(sum(xg, axes), sum(x, axes));
      require_twin(sum(xg, axes, true), sum(x, axes, true));
      require_twin(max(xg, axes), max(x, axes));
      require_twin(min(xg, axes), min(x, axes));
      if (dtype != kInt64) require_twin(prod(xg, axes), prod(x, axes));
      // through views: a transpose and a stepped slice
      require_twin(sum(xg.transpose(0, 2), axes), sum(x.transpose(0, 2), axes));
      require_twin(max(slice(xg, 1, 1, std::nullopt, 2), axes), max(slice(x, 1, 1, std::nullopt, 2), axes));
    }
  }
}

TEST_CASE("cuda: big reductions take the block path", "[cuda][reduce]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    INFO(dtype_name(dtype));
    Tensor x = cuda_testing::uniform({3, 1001, 37}, dtype, -1, 1, 52);
    Tensor xg = x.to(gpu());
    require_twin(sum(xg), sum(x));
    require_twin(sum(xg, {0, 1}), sum(x, {0, 1}));  // 3003 elements per output
    require_twin(max(xg, {1}), max(x, {1}));
    require_twin(min(xg.transpose(1, 2), {0, 2}), min(x.transpose(1, 2), {0, 2}));
    require_twin(sum(xg.expand({2, 3, 1001, 37}), {0, 2}), sum(x.expand({2, 3, 1001, 37}), {0, 2}));
  }
  Tensor e = zeros({0, 4});
  require_twin(sum(e.to(gpu()), {0}), sum(e, {0}));  // the empty sum: zeros
}

TEST_CASE("cuda: any, all and NaN in max/min", "[cuda][reduce]") {
  Tensor m = gt(cuda_testing::uniform({7, 13, 5}, kFloat32, -1, 0.2, 53), 0.0);
  for (const Shape& axes : std::vector<Shape>{{0}, {1, 2}, {0, 1, 2}}) {
    require_twin(any(m.to(gpu()), axes), any(m, axes));
    require_twin(all(logical_not(m).to(gpu()), axes), all(logical_not(m), axes));
  }
  Tensor n = tensor({{1.0, NAN, 3.0}, {4.0, 5.0, -1.0}});
  require_twin(max(n.to(gpu()), {1}), max(n, {1}));
  require_twin(min(n.to(gpu()), {0}), min(n, {0}));
  require_twin(argmax(n.to(gpu()), 1), argmax(n, 1));
}

TEST_CASE("cuda: argmax and argmin", "[cuda][reduce]") {
  for (DType dtype : {kFloat32, kFloat64, kInt64}) {
    // int64 values repeat often: ties must give the first index
    Tensor x = cuda_testing::uniform({7, 13, 5}, kFloat64, -4, 4, 54).astype(dtype);
    Tensor xg = x.to(gpu());
    for (int64_t axis = 0; axis < 3; ++axis) {
      INFO(dtype_name(dtype) << " axis " << axis);
      require_twin(argmax(xg, axis), argmax(x, axis));
      require_twin(argmin(xg, axis, true), argmin(x, axis, true));
      require_twin(argmax(xg.transpose(0, 2), axis), argmax(x.transpose(0, 2), axis));
    }
    require_twin(argmax(xg), argmax(x));
  }
}

TEST_CASE("cuda: composed reductions", "[cuda][reduce]") {
  for (DType dtype : {kFloat32, kFloat64}) {
    INFO(dtype_name(dtype));
    Tensor x = cuda_testing::uniform({7, 13, 5}, dtype, -3, 3, 55);
    Tensor xg = x.to(gpu());
    require_twin(mean(xg, {1}), mean(x, {1}));
    require_twin(var(xg, {0, 2}, 1), var(x, {0, 2}, 1));
    require_twin(nabla::std(xg, {2}), nabla::std(x, {2}));
    require_twin(logsumexp(xg, {1}), logsumexp(x, {1}));
    require_twin(softmax(xg, 1), softmax(x, 1));
    require_twin(log_softmax(xg.transpose(0, 1), -1), log_softmax(x.transpose(0, 1), -1));
  }
}
