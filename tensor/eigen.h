// Opt-in Eigen interop (includes Eigen: not part of <nabla/nabla.h>).
//
//   #include <nabla/tensor/eigen.h>
//   auto m = nabla::as_eigen<float>(t);           // Eigen::Map over t's memory (no copy)
//   nabla::Tensor u = nabla::from_eigen(matrix);  // a copy, row-major
#pragma once
#include <Eigen/Core>

#include "creation.h"
#include "tensor.h"

namespace nabla {

template <class T>
using EigenRowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Maps a contiguous 2-D CPU tensor of dtype T as a row-major Eigen matrix.
// Writes through the map change the tensor (call t.bump_version() if the
// tensor is saved for backward).
template <class T>
Eigen::Map<EigenRowMatrix<T>> as_eigen(const Tensor& t) {
  NABLA_CHECK(t.ndim() == 2, "as_eigen", "needs a 2-D tensor, got shape ", shape_str(t.shape()));
  NABLA_CHECK(t.is_contiguous(), "as_eigen", "needs a contiguous tensor (call contiguous() first)");
  NABLA_CHECK(t.device().is_cpu(), "as_eigen", "needs a CPU tensor, got ", t.device().str());
  return Eigen::Map<EigenRowMatrix<T>>(t.data<T>(), t.size(0), t.size(1));
}

// Copies any Eigen matrix expression into a new 2-D tensor.
template <class Derived>
Tensor from_eigen(const Eigen::MatrixBase<Derived>& m) {
  using T = typename Derived::Scalar;
  Tensor t = empty({static_cast<int64_t>(m.rows()), static_cast<int64_t>(m.cols())}, dtype_of<T>(), Device::cpu());
  Eigen::Map<EigenRowMatrix<T>>(t.data<T>(), m.rows(), m.cols()) = m;
  return t;
}

}  // namespace nabla
