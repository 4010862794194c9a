// Reverse-mode differentiation over the recorded graph.
//
// backward(): gradients of `outputs` (seeded with `grad_outputs`, ones for a
// one-element output when omitted) accumulate (+=) into the .grad of every
// leaf that requires grad.
//   retain_graph: keep the closures so backward can run again (otherwise a
//                 second backward through the same graph is an error).
//   create_graph: record the backward pass itself, so the gradients can be
//                 differentiated again (gradient penalties, Hessian-vector
//                 products). Implies retain_graph.
//
// grad(): the gradients of outputs with respect to `inputs` (leaves or
// not), returned instead of accumulated into .grad (torch.autograd.grad).
// allow_unused: an input the outputs do not depend on gets an undefined
// Tensor instead of an error.
//
// Both walk the graph iteratively in topological order, so a chain of any
// length runs in constant stack. One backward at a time per graph.
#pragma once
#include <vector>

#include "../tensor/tensor.h"

namespace nabla::autograd {

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

}  // namespace nabla::autograd
