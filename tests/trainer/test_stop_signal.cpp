// SIGINT/SIGTERM under a StopSignalGuard set a flag instead of killing.
#include <nabla/nabla.h>
#include <nabla/trainer/stop_signal.h>
#include <catch2/catch.hpp>

#include <csignal>

using namespace nabla::trainer;

TEST_CASE("StopSignalGuard: Ctrl-C and SIGTERM become a stop request", "[trainer][signal]") {
  clear_stop_request();
  struct sigaction before {};
  sigaction(SIGINT, nullptr, &before);
  {
    StopSignalGuard guard;
    CHECK_FALSE(stop_requested());
    std::raise(SIGINT);  // would end the test run without the guard
    CHECK(stop_requested());
    CHECK(stop_signal() == SIGINT);
    clear_stop_request();
    std::raise(SIGTERM);
    CHECK(stop_signal() == SIGTERM);
    clear_stop_request();
    CHECK_THROWS_AS(StopSignalGuard(), nabla::Error);  // one at a time
  }
  // The guard is gone: the previous (Catch2's or default) handlers are back.
  struct sigaction now {};
  sigaction(SIGINT, nullptr, &now);
  CHECK(now.sa_handler == before.sa_handler);
  CHECK_FALSE(stop_requested());
}
