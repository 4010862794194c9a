// to_dot(y): the autograd graph that produced y, as Graphviz DOT text, for
// teaching: one box per recorded op (name and output shape), one ellipse per
// leaf that requires grad, arrows in the direction of the forward pass.
//
//   std::ofstream("graph.dot") << nabla::to_dot(loss);   // dot -Tpng graph.dot
#pragma once
#include <string>

#include "../tensor/tensor.h"

namespace nabla {

std::string to_dot(const Tensor& y);

}  // namespace nabla
