#include "cuda.h"

namespace nabla::cuda {

#ifdef NABLA_CUDA_RUNTIME
namespace detail {
int device_count_from_runtime();
}
int device_count() {
  static const int n = detail::device_count_from_runtime();
  return n;
}
bool built_with_cuda() { return true; }
#else
int device_count() { return 0; }
bool built_with_cuda() { return false; }
#endif

bool is_available() { return device_count() > 0; }

}  // namespace nabla::cuda
