// kernels::Tape: the kernel calls of one captured step, run again later
// without the code that issued them (nabla::capture, tensor/capture.h).
//
// While a thread records into a tape, every call of a kernels:: function
// (dispatch.cpp) is also appended to it: which CPU kernel, and a copy of its
// arguments. A View's shape and strides are copied too, since they point
// into tensors that may be gone by the time the tape runs; its data pointer
// is kept as it is (the capture keeps the memory alive). Host code that has
// to run again at each replay (a check on new index values, an optimizer
// reading its current learning rate) adds itself as an entry of its own.
//
// A kernel that cannot be replayed is refused while recording, with an
// error: the random fills (a replay would draw the same numbers again) and
// anything on a CUDA device (capture is CPU-only for now).
#pragma once
#include <atomic>
#include <functional>
#include <vector>

namespace nabla::kernels {

class Tape {
 public:
  using Entry = std::function<void()>;
  void add(Entry e) { entries_.push_back(std::move(e)); }
  void run() const {
    for (const Entry& e : entries_) e();
  }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

// How many threads are recording right now: every kernel call reads this
// global first, so a program that never captures pays one load (a relaxed
// atomic read is a plain load on x86).
// Internal to the library (hidden: read without an indirection).
extern std::atomic<int> tapes_recording __attribute__((visibility("hidden")));

// The tape the calling thread records into, or null.
Tape* recording_tape();
// Makes t the calling thread's tape (null: stop recording); returns the
// previous one.
Tape* set_recording_tape(Tape* t);

}  // namespace nabla::kernels
