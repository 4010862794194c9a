// Int2: a (height, width) pair of sizes for 2-D convolution and pooling
// arguments, written like PyTorch's `int or (int, int)`:
//
//   conv2d(x, w, b, 2, 1);            // stride (2, 2), padding (1, 1)
//   conv2d(x, w, b, {2, 1}, {1, 0});  // stride (2, 1), padding (1, 0)
#pragma once
#include <cstdint>
#include <string>

namespace nabla::nn {

struct Int2 {
  int64_t h = 0, w = 0;
  Int2(int64_t both = 0) : h(both), w(both) {}  // NOLINT: implicit, so `2` means (2, 2)
  Int2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  bool operator==(const Int2& o) const { return h == o.h && w == o.w; }
  bool operator!=(const Int2& o) const { return !(*this == o); }
  // "(2, 1)", as a Python tuple prints.
  std::string str() const { return "(" + std::to_string(h) + ", " + std::to_string(w) + ")"; }
};

}  // namespace nabla::nn
