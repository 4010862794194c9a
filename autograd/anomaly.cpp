#include "anomaly.h"

#include <cmath>
#include <string>

#include "../tensor/capture.h"
#include "grad_mode.h"

namespace nabla::autograd {

namespace detail {
bool anomaly_enabled = false;
thread_local const char* running_backward = nullptr;

void check_finite(const Tensor& t, const char* op, const char* what) {
  if (!t.defined() || !is_floating(t.dtype())) return;
  ::nabla::detail::check_not_capturing("detect_anomaly", "checks every output for NaN/Inf on the host");
  NoGradGuard no_grad;  // to(cpu)/contiguous below are plumbing
  Tensor c = t.detach().to(Device::cpu()).contiguous();
  NABLA_DISPATCH_FLOAT(c.dtype(), T, "detect_anomaly", {
    const T* p = c.data<T>();
    for (int64_t i = 0; i < c.numel(); ++i) {
      if (std::isfinite(p[i])) continue;
      // The position as an index tuple reads better than a flat offset.
      Shape at(c.ndim());
      for (int64_t d = c.ndim() - 1, rest = i; d >= 0; --d) {
        at[d] = rest % c.shape()[d];
        rest /= c.shape()[d];
      }
      const std::string context =
          running_backward ? std::string(" while running the backward of ") + running_backward : std::string();
      NABLA_CHECK(false, "anomaly", op, " produced ", std::isnan(p[i]) ? "nan" : (p[i] > 0 ? "inf" : "-inf"), " in ",
                  what, " (shape ", shape_str(c.shape()), ", first at index ", shape_str(at), ")", context);
    }
  });
}
}  // namespace detail

void set_detect_anomaly(bool on) { detail::anomaly_enabled = on; }
bool detect_anomaly() { return detail::anomaly_enabled; }

}  // namespace nabla::autograd
