#include "capture.h"

#include "error.h"
#include "kernel_view.h"

namespace nabla {

namespace {
// The storages this thread's capture has handed to kernels so far (marked
// kept_by_capture), and those among them whose last handle went during the
// capture (taken over, see keep_after_capture). Null when not capturing;
// the tape itself is kernels::recording_tape().
struct CaptureMemory {
  std::vector<Storage*> marked;
  std::vector<RefPtr<Storage>> taken_over;
};
thread_local CaptureMemory* capture_memory = nullptr;
// Whether this thread is inside capture() (the tape may be paused).
thread_local bool in_capture = false;
}  // namespace

CapturedStep capture(const std::function<void()>& step) {
  NABLA_CHECK(!in_capture, "capture", "a step is already being captured on this thread (capture inside capture)");
  CapturedStep out;
  out.tape_ = std::make_shared<kernels::Tape>();
  // Restores this thread's state however step() ends; after a throw, the
  // memory kept so far is let go with `out`.
  struct Recording {
    CapturedStep& step;
    CaptureMemory memory;
    kernels::Tape* prev_tape;
    explicit Recording(CapturedStep& s) : step(s), prev_tape(kernels::set_recording_tape(s.tape_.get())) {
      capture_memory = &memory;
      in_capture = true;
      ++detail::captures_running;
    }
    ~Recording() {
      kernels::set_recording_tape(prev_tape);
      capture_memory = nullptr;
      in_capture = false;
      --detail::captures_running;
      // Every marked storage is alive (taken over, or still held): hold one
      // reference to each, and clear the marks for the next capture.
      step.kept_ = std::move(memory.taken_over);
      for (Storage* s : memory.marked) {
        s->refs.increment();
        step.kept_.push_back(RefPtr<Storage>::adopt(s));
        s->kept_by_capture = false;
      }
    }
  } recording(out);
  step();
  return out;
}

void CapturedStep::replay() const {
  NABLA_CHECK(tape_, "replay", "this CapturedStep holds no step (default-constructed): make it with capture()");
  NABLA_CHECK(!in_capture, "replay", "a captured step cannot be replayed while another step is being captured");
  tape_->run();
}

namespace detail {

std::atomic<int> captures_running{0};

bool capturing() { return in_capture; }

void check_not_capturing(const char* op, const char* why) {
  NABLA_CHECK(!in_capture, op, why, ", so a captured step could not replay it: run it outside capture()");
}

void add_to_tape(std::function<void()> entry) {
  if (kernels::Tape* tape = kernels::recording_tape()) tape->add(std::move(entry));
}

TapePause::TapePause() : paused_(kernels::set_recording_tape(nullptr)) {}
TapePause::~TapePause() { kernels::set_recording_tape(paused_); }

void keep_for_capture(const RefPtr<Storage>& s) {
  if (!capture_memory || !s || s->kept_by_capture) return;
  s->kept_by_capture = true;
  capture_memory->marked.push_back(s.get());
}

void keep_for_capture(std::initializer_list<const TensorImpl*> tensors) {
  for (const TensorImpl* t : tensors) keep_for_capture(t->storage);
}

bool keep_after_capture(Storage* s) {
  if (!capture_memory) return false;  // a capture that has ended, or another thread's
  s->refs.increment();                // back from zero: the capture's reference
  capture_memory->taken_over.push_back(RefPtr<Storage>::adopt(s));
  return true;
}

}  // namespace detail
}  // namespace nabla
