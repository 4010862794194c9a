#include "grad_mode.h"

namespace nabla {

namespace {
// initial-exec: a plain TLS load instead of a __tls_get_addr call per op.
__attribute__((tls_model("initial-exec"))) thread_local bool grad_enabled =
    true;  // per thread: a no_grad region in one thread leaves others alone
}  // namespace

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }

}  // namespace nabla
