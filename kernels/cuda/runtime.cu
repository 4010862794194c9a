// CUDA runtime queries. Any error (no driver, no device) means "not
// available": a machine without a GPU must still run everything on the CPU.
#include <cuda_runtime.h>

namespace nabla::cuda::detail {

int device_count_from_runtime() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return 0;
  }
  return n;
}

}  // namespace nabla::cuda::detail
