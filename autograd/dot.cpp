#include "dot.h"

#include <sstream>
#include <unordered_map>
#include <vector>

#include "node.h"

namespace nabla {

std::string to_dot(const Tensor& y) {
  std::ostringstream os;
  os << "digraph autograd {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  if (!y.defined() || !y.grad_fn()) {
    os << "  t0 [shape=ellipse, label=\"leaf " << shape_str(y.defined() ? y.shape() : Shape{}) << "\"];\n}\n";
    return os.str();
  }
  std::unordered_map<const void*, int> ids;
  auto id_of = [&](const void* p, bool& fresh) {
    auto it = ids.find(p);
    fresh = it == ids.end();
    if (fresh) it = ids.emplace(p, static_cast<int>(ids.size())).first;
    return it->second;
  };
  bool fresh = false;
  std::vector<const autograd::Node*> stack{y.grad_fn().get()};
  int root = id_of(stack.back(), fresh);
  os << "  n" << root << " [shape=box, style=bold, label=\"" << stack.back()->name << "\\n"
     << shape_str(stack.back()->shape) << "\"];\n";
  while (!stack.empty()) {  // iterative: graphs may be very deep
    const autograd::Node* n = stack.back();
    stack.pop_back();
    int nid = ids[n];
    for (const autograd::Edge& e : n->inputs) {
      if (e.node) {
        int mid = id_of(e.node.get(), fresh);
        if (fresh) {
          os << "  n" << mid << " [shape=box, label=\"" << e.node->name << "\\n"
             << shape_str(e.node->shape) << "\"];\n";
          stack.push_back(e.node.get());
        }
        os << "  n" << mid << " -> n" << nid << ";\n";
      } else if (e.leaf) {
        int lid = id_of(e.leaf.get(), fresh);
        if (fresh)
          os << "  n" << lid << " [shape=ellipse, style=filled, fillcolor=lightblue, label=\"leaf\\n"
             << shape_str(e.leaf->shape) << "\"];\n";
        os << "  n" << lid << " -> n" << nid << ";\n";
      }
    }
  }
  os << "}\n";
  return os.str();
}

}  // namespace nabla
