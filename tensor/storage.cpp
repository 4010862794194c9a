#include "storage.h"

#include "allocator.h"
#include "capture.h"
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
void take_cuda_memory(Storage& s, size_t nbytes, Device device) {
  NABLA_CHECK(cuda::built_with_cuda(), "allocate", "device ", device.str(),
              " is not available: this build of nabla has no CUDA backend (configure with -DNABLA_CUDA=ON)");
  NABLA_CHECK(cuda::is_available(), "allocate", "device ", device.str(),
              " is not available: no CUDA device or driver was found (cuda::is_available() is false)");
  NABLA_CHECK(device.index >= 0 && device.index < cuda::device_count(), "allocate", "device ", device.str(),
              " does not exist: ", cuda::device_count(), " CUDA device(s) present");
#ifdef NABLA_CUDA_RUNTIME
  s.data = cuda::detail::allocate(nbytes, device.index);
  s.from_allocator = true;
#else
  (void)s;
  (void)nbytes;
#endif
}
}  // namespace

void Storage::take_memory(size_t bytes, Device where) {
  nbytes = bytes;
  device = where;
  if (__builtin_expect(where.is_cuda(), 0)) {
    take_cuda_memory(*this, bytes, where);
  } else if (bytes <= kInlineBytes) {
    data = inline_data;
  } else {
    data = cpu_allocator::allocate(bytes);
    from_allocator = true;
  }
}

RefPtr<Storage> Storage::make_empty() {
  auto s = RefPtr<Storage>::adopt(detail::pool_new<Storage>());
  s->block_bytes = sizeof(Storage);
  return s;
}

void ref_destroy(Storage* s) {
  // Memory a step being captured has handed to its kernels must outlive the
  // capture, or its replays would write into memory given to others.
  if (__builtin_expect(s->kept_by_capture, 0) && detail::keep_after_capture(s)) return;
  const size_t bytes = s->block_bytes;
  s->~Storage();
  detail::pool_deallocate(s, bytes);
}

}  // namespace nabla
