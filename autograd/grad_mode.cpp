#include "grad_mode.h"

namespace nabla {

namespace {
thread_local bool grad_enabled = true;  // per thread: a no_grad region in one thread leaves others alone
}

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }

}  // namespace nabla
