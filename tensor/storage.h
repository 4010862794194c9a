// Storage: the memory one or more tensors (views) look at.
// It also carries the version counter: every in-place write bumps it, so
// autograd can tell when a tensor saved for backward was changed (see
// autograd/node.h). Views share storage, hence share the counter.
//
// Owned through RefPtr (ref_ptr.h). A fresh tensor's Storage and its
// TensorImpl share one memory block (tensor/tensor.cpp), with the Storage
// at its start: the block is freed when the Storage is, since views may
// keep the memory alive after the tensor that made it is gone.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "device.h"
#include "ref_ptr.h"

namespace nabla {

struct Storage {
  RefCount refs;
  uint32_t block_bytes = 0;  // the size of the pooled block this Storage starts
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  uint32_t version = 0;
  bool from_allocator = false;  // true: goes back to the caching allocator
  // A kernel of the step being captured got this memory (tensor/capture.h):
  // if the last handle goes before the capture ends, the capture keeps it.
  bool kept_by_capture = false;
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

  // A Storage of its own (not in a tensor's block), pointing at nothing yet.
  static RefPtr<Storage> make_empty();
  // Points this (fresh, empty) Storage at nbytes of memory on `device`: the
  // inline buffer when it fits, else the device's caching allocator.
  void take_memory(size_t nbytes, Device device);
};

// Destroys s and frees its block (RefPtr calls it when the last reference goes).
void ref_destroy(Storage* s);

}  // namespace nabla
