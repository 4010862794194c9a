// Ctrl-C (SIGINT) and SIGTERM as a request, not a kill: while a
// StopSignalGuard is alive, the signals only set a flag that the training
// loop checks after each step, so it can save a checkpoint at the current
// step and exit cleanly. The guard restores the previous handlers; a second
// Ctrl-C while a stop is pending stops the process the usual way.
#pragma once

namespace nabla::trainer {

class StopSignalGuard {
 public:
  StopSignalGuard();
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;
};

// True once SIGINT or SIGTERM arrived under a guard (until cleared).
bool stop_requested();
// The signal that asked (SIGINT or SIGTERM), 0 if none.
int stop_signal();
void clear_stop_request();

}  // namespace nabla::trainer
