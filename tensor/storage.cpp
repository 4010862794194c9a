#include "storage.h"

#include "allocator.h"
#include "pool.h"

namespace nabla {

Storage::~Storage() {
  if (from_allocator) {
    cpu_allocator::deallocate(data, nbytes);
  } else if (deleter && *deleter) {
    (*deleter)(data);
  }
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  NABLA_CHECK(device.is_cpu(), "allocate", "device ", device.str(),
              " is not available: this build of nabla has no CUDA backend");
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
