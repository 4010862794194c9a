#include "storage.h"

#include "allocator.h"
#include "cuda.h"
#include "pool.h"
#ifdef NABLA_CUDA_RUNTIME
#include "cuda_backend.h"
#endif

namespace nabla {

Storage::~Storage() {
  if (from_allocator) {
#ifdef NABLA_CUDA_RUNTIME
    if (device.is_cuda()) {
      cuda::detail::deallocate(data, device.index);
      return;
    }
#endif
    cpu_allocator::deallocate(data, nbytes);
  } else if (deleter && *deleter) {
    (*deleter)(data);
  }
}

namespace {
// CUDA memory comes from the backend's caching allocator, never from the
// inline buffer (that one is host memory).
std::shared_ptr<Storage> allocate_cuda(size_t nbytes, Device device) {
  NABLA_CHECK(cuda::built_with_cuda(), "allocate", "device ", device.str(),
              " is not available: this build of nabla has no CUDA backend (configure with -DNABLA_CUDA=ON)");
  NABLA_CHECK(cuda::is_available(), "allocate", "device ", device.str(),
              " is not available: no CUDA device or driver was found (cuda::is_available() is false)");
  NABLA_CHECK(device.index >= 0 && device.index < cuda::device_count(), "allocate", "device ", device.str(),
              " does not exist: ", cuda::device_count(), " CUDA device(s) present");
  auto s = detail::make_pooled<Storage>();
  s->nbytes = nbytes;
  s->device = device;
#ifdef NABLA_CUDA_RUNTIME
  s->data = cuda::detail::allocate(nbytes, device.index);
  s->from_allocator = true;
#endif
  return s;
}
}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  if (__builtin_expect(device.is_cuda(), 0)) return allocate_cuda(nbytes, device);
  auto s = detail::make_pooled<Storage>();
  s->nbytes = nbytes;
  s->device = device;
  if (nbytes <= kInlineBytes) {
    s->data = s->inline_data;
  } else {
    s->data = cpu_allocator::allocate(nbytes);
    s->from_allocator = true;
  }
  return s;
}

}  // namespace nabla
