// nabla::capture(): record a training step once, replay it as a list of
// kernel calls (the CPU counterpart of a CUDA graph).
//
//   Tensor idx = zeros({32}, TensorOptions(kInt64));       // static input
//   Tensor loss;
//   CapturedStep step = capture([&] {
//     Tensor x = index_select(x_all, 0, idx), y = index_select(y_all, 0, idx);
//     loss = cross_entropy(model(x), y);
//     opt.zero_grad();
//     loss.backward();
//     opt.step();
//   });
//   for (...) {
//     write the next batch's indices into idx;
//     step.replay();              // loss, the gradients, the weights: updated
//   }
//
// capture() runs the function once, as usual, and records every kernel it
// calls (kernels/tape.h). replay() runs those kernels again on the same
// memory: no graph is built, nothing is allocated, no shapes are checked,
// which is most of what a small model's step costs beyond its arithmetic.
// The memory of every tensor a recorded kernel touched is kept alive by the
// CapturedStep, so dropping a tensor handle never leaves a replay writing
// into freed memory.
//
// What a replay does again and what it does not:
//   * The kernels run on the values the tensors hold at replay time: write
//     new inputs into the tensors the step reads (copy_, or data<T>()), and
//     read results from the tensors it wrote (loss, .grad, the parameters).
//   * Host code in the function ran once. Ops whose correctness depends on
//     values read on the host re-check them at each replay (index bounds,
//     cross-entropy targets) and throw if the check fails; optimizers run
//     their update again with their current options and state, so learning
//     rate schedules and Adam's step count work.
//   * Refused while capturing, with an error: reading a value on the host
//     (item()), random ops (a replay would draw the same numbers), ops whose
//     output shape depends on values (masked_select, nonzero), anomaly
//     detection, and CUDA tensors (capture is CPU-only for now).
// Shapes are fixed: a batch of another size needs a capture of its own.
// One thread captures: while it does, other threads must not drop the last
// handle of a tensor the step uses (the capture takes over such memory only
// from its own thread).
#pragma once
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "../kernels/tape.h"
#include "storage.h"

namespace nabla {

class CapturedStep {
 public:
  CapturedStep() = default;
  // Runs the recorded kernels and host checks again, in order.
  void replay() const;
  // How many entries the tape holds (kernel calls and host checks).
  size_t size() const { return tape_ ? tape_->size() : 0; }
  bool empty() const { return size() == 0; }

 private:
  friend CapturedStep capture(const std::function<void()>& step);
  std::shared_ptr<kernels::Tape> tape_;
  std::vector<RefPtr<Storage>> kept_;  // the memory the tape's kernels touch
};

// Runs `step` once and records it. Throws nabla::Error, recording nothing,
// when the step does something a replay could not repeat (see above); a
// capture inside a capture is an error too.
CapturedStep capture(const std::function<void()>& step);

namespace detail {
// True while this thread runs capture()'s function.
bool capturing();
// Throws, naming `op` and `why`, when this thread is capturing: for ops
// whose result depends on values read on the host.
void check_not_capturing(const char* op, const char* why);
// Adds host code to the tape being recorded (nothing when not capturing):
// it runs at each replay, in order with the kernels. `check` re-checks what
// the op checked on the host; it keeps alive what it captures. A template,
// so that outside capture (every eager step) no std::function is built:
// ops call it each time they run, and it must cost them nothing then.
void add_to_tape(std::function<void()> entry);
template <class F>
void on_replay(F&& check) {
  if (kernels::recording_tape()) add_to_tape(std::function<void()>(std::forward<F>(check)));
}
// While one lives, this thread's kernel calls are not recorded: an op that
// adds its own replay entry (an optimizer step) runs its kernels inside one.
class TapePause {
 public:
  TapePause();
  ~TapePause();
  TapePause(const TapePause&) = delete;
  TapePause& operator=(const TapePause&) = delete;

 private:
  kernels::Tape* paused_;
};
// (Marking the memory a recorded kernel touches: keep_for_capture, in
// kernel_view.h, next to kernel_data() which calls it.)
// ref_destroy(Storage*) asks this for a marked storage whose last handle
// went: true when the running capture took it over (s is then alive again).
bool keep_after_capture(Storage* s);
}  // namespace detail

}  // namespace nabla
