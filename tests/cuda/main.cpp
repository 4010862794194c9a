// The GPU tests' main: skips (exit code 77, CTest's SKIP_RETURN_CODE) when
// no CUDA device is present, so a machine without a GPU never reports these
// tests as passed or failed.
#define CATCH_CONFIG_RUNNER
#include <nabla/tensor/cuda.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
  // Listing the tests (--list-tests, --list-tags, ...) needs no GPU.
  bool listing = false;
  for (int i = 1; i < argc; ++i) listing = listing || std::strncmp(argv[i], "--list", 6) == 0;
  if (!nabla::cuda::is_available() && !listing) {
    std::cout << "SKIPPED: no CUDA device (nabla::cuda::is_available() is false; built with CUDA: "
              << (nabla::cuda::built_with_cuda() ? "yes" : "no") << ")\n";
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
