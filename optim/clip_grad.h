// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
// Both work in place on the .grad of the given parameters (those without a
// .grad are skipped) and record no graph.
//
//   loss.backward();
//   double norm = optim::clip_grad_norm_(model.parameters(), 1.0);
//   opt.step();
#pragma once
#include <vector>

#include "../tensor/tensor.h"

namespace nabla::optim {

// The p-norm of all gradients together, as if concatenated into one vector:
//   ‖g‖_p = (Σ |gᵢ|ᵖ)^(1/p),   ‖g‖_∞ = max |gᵢ|   (norm_type = INFINITY)
// then every gradient is scaled by min(1, max_norm / (‖g‖_p + 1e-6)).
// Returns ‖g‖_p (before clipping; 0 when no parameter has a gradient). With
// error_if_nonfinite, a NaN or infinite norm is an Error and nothing changes.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace nabla::optim
