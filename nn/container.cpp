#include "container.h"

namespace nabla::nn {

namespace {
const std::shared_ptr<Module>& child_at(const Module& m, size_t i) {
  const auto& children = m.named_children();
  NABLA_CHECK(i < children.size(), m.type_name() + "[]", "index ", i, " is out of range for ", children.size(),
              " modules");
  return children[i].second;
}
}  // namespace

void Sequential::push_back(std::shared_ptr<Module> module) { push_back(std::to_string(size()), std::move(module)); }

void Sequential::push_back(const std::string& name, std::shared_ptr<Module> module) {
  add_child(name, std::move(module));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& [name, child] : named_children()) y = (*child)(y);
  return y;
}

const std::shared_ptr<Module>& Sequential::operator[](size_t i) const { return child_at(*this, i); }

void ModuleList::push_back(std::shared_ptr<Module> module) { add_child(std::to_string(size()), std::move(module)); }

const std::shared_ptr<Module>& ModuleList::operator[](size_t i) const { return child_at(*this, i); }

}  // namespace nabla::nn
