#include "stop_signal.h"

#include <csignal>

#include "../tensor/error.h"

namespace nabla::trainer {

namespace {
// Only async-signal-safe work in the handler: store to a sig_atomic_t.
volatile std::sig_atomic_t requested = 0;
struct sigaction previous_int, previous_term;
int guards = 0;

void on_signal(int sig) {
  if (requested) {
    // A second Ctrl-C: the user means it. Restore the default and re-raise.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  requested = sig;
}
}  // namespace

StopSignalGuard::StopSignalGuard() {
  NABLA_CHECK(guards == 0, "StopSignalGuard", "only one guard may be active at a time");
  ++guards;
  struct sigaction action {};
  action.sa_handler = &on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

StopSignalGuard::~StopSignalGuard() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
  --guards;
}

bool stop_requested() { return requested != 0; }
int stop_signal() { return requested; }
void clear_stop_request() { requested = 0; }

}  // namespace nabla::trainer
