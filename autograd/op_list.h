// The differentiable ops nabla promises, by name. tests/autograd/
// test_op_list.cpp requires a "gradcheck: <name>" test for every entry, so
// an op cannot be listed here without a finite-difference check.
#pragma once
#include <string>
#include <vector>

namespace nabla {

const std::vector<std::string>& differentiable_ops();

}  // namespace nabla
