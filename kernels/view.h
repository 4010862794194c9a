// kernels::View: what a kernel sees of a tensor. Raw memory, a dtype, and
// shape/strides (in elements). Kernels know nothing of autograd or Tensor.
//
// Convention for elementwise kernels: every input View already has the
// output's ndim and shape, with stride 0 along broadcast dims.
#pragma once
#include <cstdint>

#include "../tensor/device.h"
#include "../tensor/dtype.h"

namespace nabla::kernels {

constexpr int kMaxDims = 16;

struct View {
  void* data = nullptr;
  DType dtype = DType::Float32;
  Device device;
  int ndim = 0;
  const int64_t* shape = nullptr;
  const int64_t* strides = nullptr;

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    return n;
  }
};

}  // namespace nabla::kernels
