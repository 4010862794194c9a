// Storage: the memory one or more tensors (views) look at.
// It also carries the version counter: every in-place write bumps it, so
// autograd can tell when a tensor saved for backward was changed (see
// autograd/node.h). Views share storage, hence share the counter.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "device.h"

namespace nabla {

struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  uint32_t version = 0;
  bool from_allocator = false;  // true: goes back to the caching allocator
  // from_blob with a user deleter (rare: kept behind a pointer so that every
  // other storage stays small).
  std::unique_ptr<std::function<void(void*)>> deleter;
  // Tiny tensors (scalars, 4-vectors: most of autograd's bookkeeping) keep
  // their data right here: no allocator call at all.
  static constexpr size_t kInlineBytes = 64;
  alignas(16) unsigned char inline_data[kInlineBytes];

  Storage() {}  // NOLINT: user-provided, so the inline buffer is not zero-filled on every allocation
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  // nbytes of fresh memory on `device` from that device's caching allocator.
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
};

}  // namespace nabla
