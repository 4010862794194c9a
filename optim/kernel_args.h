// Internal to optim/*.cpp (not part of the public API): Tensors as the
// kernels::Views the fused update kernels take.
#pragma once
#include "../kernels/kernels.h"
#include "../tensor/kernel_view.h"

namespace nabla::optim::detail {

using nabla::detail::kview;

// A state buffer the configuration does not use is passed as a null View.
inline kernels::View kview_or_null(const Tensor& t) { return t.defined() ? kview(t) : kernels::View{}; }

}  // namespace nabla::optim::detail
