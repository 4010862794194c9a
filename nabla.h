// The umbrella header: everything a user program or notebook needs.
//   #include <nabla/nabla.h>
// Light on purpose: no Eigen or CUDA headers, so it compiles in about a
// second (benchmarks/RESULTS.md has the measurement). Eigen interop is the
// opt-in <nabla/tensor/eigen.h>.
#pragma once

#include "autograd/dot.h"
#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/op_list.h"
#include "autograd/ops/activation.h"
#include "autograd/ops/arithmetic.h"
#include "autograd/ops/compare.h"
#include "autograd/ops/indexing.h"
#include "autograd/ops/join.h"
#include "autograd/ops/matmul.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/unary.h"
#include "autograd/ops/view.h"
#include "autograd/record.h"
#include "nn/attention.h"
#include "nn/embedding.h"
#include "nn/functional/attention.h"
#include "nn/functional/embedding.h"
#include "nn/rnn.h"
#include "tensor/allocator.h"
#include "tensor/creation.h"
#include "tensor/cuda.h"
#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/generator.h"
#include "tensor/npy.h"
#include "tensor/print.h"
#include "tensor/tensor.h"
