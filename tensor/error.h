// nabla::Error: the one exception type for misuse (STYLE.md habit 9, tier 1).
// Messages name the op, the offending shapes/dtypes/devices and what was
// expected, e.g. "matmul: shapes (32, 784) and (128, 64) are not aligned: 784 != 128".
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace nabla {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
// Streams every argument into one string: format("got ", 3, " dims").
template <class... Args>
std::string format(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
// The throwing half of NABLA_CHECK, kept out of line (and marked cold) so
// that hot functions carry one compare and one call, not the formatting code.
// `op` is a string literal or, for module methods, a std::string such as
// "Linear.forward".
template <class Op, class... Args>
[[noreturn]] __attribute__((noinline, cold)) void fail(const Op& op, const Args&... args) {
  throw Error(format(op, ": ", args...));
}
}  // namespace detail

}  // namespace nabla

// NABLA_CHECK(cond, "op", pieces...) throws nabla::Error("op: pieces...") when
// cond is false. The message is only built on failure, so checks are cheap.
#define NABLA_CHECK(cond, op, ...)                                            \
  do {                                                                        \
    if (__builtin_expect(!(cond), 0)) ::nabla::detail::fail(op, __VA_ARGS__); \
  } while (0)
