// Indexing kernels on the GPU against the CPU: gather, scatter_add (atomics),
// index_select, index_add, sorting, and the ops built on them, forward and
// backward.
#include "cuda_helpers.h"

using namespace nabla;
using cuda_testing::gpu;
using cuda_testing::leaf_pair;
using cuda_testing::require_twin;

namespace {
Tensor indices(int64_t high, const Shape& shape, uint64_t seed) {
  Generator g(seed);
  return randint(0, high, shape, g);
}
}  // namespace

TEST_CASE("cuda: gather and scatter_add along every axis", "[cuda][index]") {
  for (DType dtype : {kFloat32, kFloat64, kInt64}) {
    Tensor x = cuda_testing::uniform({7, 13, 5}, kFloat64, -9, 9, 81).astype(dtype);
    for (int64_t axis = 0; axis < 3; ++axis) {
      INFO(dtype_name(dtype) << " axis " << axis);
      Shape ishape = {7, 13, 5};
      ishape[static_cast<size_t>(axis)] = 4;  // fewer positions along the axis, repeats likely
      Tensor idx = indices(x.shape()[static_cast<size_t>(axis)], ishape, 82 + static_cast<uint64_t>(axis));
      require_twin(gather(x.to(gpu()), axis, idx.to(gpu())), gather(x, axis, idx));
      require_twin(gather(x.to(gpu()).transpose(0, 2).transpose(0, 2), axis, idx.to(gpu())), gather(x, axis, idx));
      Tensor src = cuda_testing::uniform(ishape, kFloat64, -9, 9, 83).astype(dtype);
      require_twin(scatter_add(x.to(gpu()), axis, idx.to(gpu()), src.to(gpu())), scatter_add(x, axis, idx, src));
    }
  }
}

TEST_CASE("cuda: index_select and index_add", "[cuda][index]") {
  for (DType dtype : {kFloat32, kFloat64, kInt64, kBool}) {
    Tensor x = cuda_testing::uniform({7, 13, 5}, kFloat64, -9, 9, 84).astype(dtype);
    for (int64_t axis = 0; axis < 3; ++axis) {
      INFO(dtype_name(dtype) << " axis " << axis);
      Tensor idx = indices(x.shape()[static_cast<size_t>(axis)], {9}, 85 + static_cast<uint64_t>(axis));
      require_twin(index_select(x.to(gpu()), axis, idx.to(gpu())), index_select(x, axis, idx));
      require_twin(index_select(x.to(gpu()).transpose(0, 1), axis, idx.to(gpu())),
                   index_select(x.transpose(0, 1), axis, idx));
      Shape sshape = {7, 13, 5};
      sshape[static_cast<size_t>(axis)] = 9;
      Tensor src = cuda_testing::uniform(sshape, kFloat64, -9, 9, 86).astype(dtype);
      require_twin(index_add(x.to(gpu()), axis, idx.to(gpu()), src.to(gpu())), index_add(x, axis, idx, src));
    }
  }
}

TEST_CASE("cuda: sort, argsort and topk", "[cuda][index]") {
  for (DType dtype : {kFloat32, kFloat64, kInt64}) {
    Tensor x = cuda_testing::uniform({7, 13, 5}, kFloat64, -4, 4, 87).astype(dtype);  // int64: many ties
    for (bool descending : {false, true}) {
      INFO(dtype_name(dtype) << " descending " << descending);
      require_twin(argsort(x.to(gpu()), 1, descending), argsort(x, 1, descending));  // stable: same ties order
      auto [vg, ig] = sort(x.to(gpu()), -1, descending);
      auto [vc, ic] = sort(x, -1, descending);
      require_twin(vg, vc);
      require_twin(ig, ic);
    }
    auto [tg, tig] = topk(x.to(gpu()), 3, 1);
    auto [tc, tic] = topk(x, 3, 1);
    require_twin(tg, tc);
    require_twin(tig, tic);
  }
  Tensor n = tensor({{3.0, NAN, 1.0, 2.0, NAN}});
  require_twin(argsort(n.to(gpu())), argsort(n));
  require_twin(argsort(n.to(gpu()), -1, true), argsort(n, -1, true));
}

TEST_CASE("cuda: indexing ops backward", "[cuda][index][autograd]") {
  Tensor values = cuda_testing::uniform({7, 13, 5}, kFloat64, -1, 1, 88);
  Tensor idx = indices(13, {7, 4, 5}, 89), sel = indices(13, {9}, 90);
  auto x = leaf_pair(values);
  auto f = [&](const Tensor& t, const Tensor& i, const Tensor& s) {
    return sum(square(gather(t, 1, i))) + sum(index_select(t, 1, s) * index_select(t, 1, s));
  };
  Tensor yc = f(x.on_cpu, idx, sel);
  Tensor yg = f(x.on_gpu, idx.to(gpu()), sel.to(gpu()));
  require_twin(yg, yc);
  yc.backward();
  yg.backward();
  require_twin(x.on_gpu.grad(), x.on_cpu.grad());
  Tensor labels = indices(6, {11}, 91);
  require_twin(one_hot(labels.to(gpu()), 6), one_hot(labels, 6));
  Tensor mask = gt(values, 0.0);
  require_twin(masked_select(values.to(gpu()), mask.to(gpu())), masked_select(values, mask));
}
