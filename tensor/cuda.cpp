#include "cuda.h"

#include "error.h"

#ifdef NABLA_CUDA_RUNTIME
#include "cuda_backend.h"
#endif

namespace nabla::cuda {

#ifdef NABLA_CUDA_RUNTIME
int device_count() {
  static const int n = detail::device_count_from_runtime();
  return n;
}
bool built_with_cuda() { return true; }
int current_device() { return is_available() ? detail::get_device() : 0; }
void set_device(int device) {
  NABLA_CHECK(device >= 0 && device < device_count(), "cuda::set_device", "device ", device, " does not exist (",
              device_count(), " CUDA device(s) present)");
  detail::set_device(device);
}
void synchronize(int device) {
  if (is_available()) detail::synchronize(device);
}
int64_t memory_allocated(int device) { return is_available() ? detail::memory_allocated(device) : 0; }
int64_t max_memory_allocated(int device) { return is_available() ? detail::max_memory_allocated(device) : 0; }
int64_t memory_reserved(int device) { return is_available() ? detail::memory_reserved(device) : 0; }
void reset_peak_memory_stats(int device) {
  if (is_available()) detail::reset_peak_memory_stats(device);
}
void empty_cache() {
  if (is_available()) detail::empty_cache();
}
void set_allow_tf32(bool allow) { detail::set_allow_tf32(allow); }
bool allow_tf32() { return detail::allow_tf32(); }
#else
int device_count() { return 0; }
bool built_with_cuda() { return false; }
int current_device() { return 0; }
void set_device(int device) {
  NABLA_CHECK(false, "cuda::set_device", "cannot select cuda:", device,
              ": this build of nabla has no CUDA backend (configure with -DNABLA_CUDA=ON)");
}
void synchronize(int) {}
int64_t memory_allocated(int) { return 0; }
int64_t max_memory_allocated(int) { return 0; }
int64_t memory_reserved(int) { return 0; }
void reset_peak_memory_stats(int) {}
void empty_cache() {}
void set_allow_tf32(bool) {}
bool allow_tf32() { return false; }
#endif

bool is_available() { return device_count() > 0; }

}  // namespace nabla::cuda
