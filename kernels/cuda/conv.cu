// Convolutions on CUDA: not implemented yet (cuDNN is the plan, see
// README.md). Each entry throws, naming itself, so the library links and a
// CUDA conv net fails with a clear message instead of wrong numbers.
#include "cuda_kernels.h"

namespace nabla::kernels::cuda {

void conv2d(const Conv2dGeometry&, const View&, const View&, const View&, const View&) {
  NABLA_CHECK(false, "conv2d", "not implemented on CUDA yet");
}
void conv_transpose2d(const Conv2dGeometry&, const View&, const View&, const View&, const View&) {
  NABLA_CHECK(false, "conv_transpose2d", "not implemented on CUDA yet");
}
void conv2d_weight(const Conv2dGeometry&, const View&, const View&, const View&) {
  NABLA_CHECK(false, "conv2d_weight", "not implemented on CUDA yet");
}

}  // namespace nabla::kernels::cuda
