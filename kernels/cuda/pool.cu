// Pooling on CUDA: not implemented yet. Each entry throws, naming itself.
#include "cuda_kernels.h"

namespace nabla::kernels::cuda {

void max_pool2d(const Pool2dGeometry&, const View&, const View&, const View&) {
  NABLA_CHECK(false, "max_pool2d", "not implemented on CUDA yet");
}
void max_pool2d_backward(const Pool2dGeometry&, const View&, const View&, const View&) {
  NABLA_CHECK(false, "max_pool2d_backward", "not implemented on CUDA yet");
}
void avg_pool2d(const Pool2dGeometry&, const View&, const View&) {
  NABLA_CHECK(false, "avg_pool2d", "not implemented on CUDA yet");
}
void avg_pool2d_backward(const Pool2dGeometry&, const View&, const View&) {
  NABLA_CHECK(false, "avg_pool2d_backward", "not implemented on CUDA yet");
}

}  // namespace nabla::kernels::cuda
