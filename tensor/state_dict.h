// StateDict: named tensors in a fixed order - what a module, an optimizer or
// a scheduler saves and loads. Insertion order is kept (it is the order a
// checkpoint file lists them in), names are unique, and lookup is by name.
//
//   StateDict sd;
//   sd.insert("fc1.weight", w);
//   if (const Tensor* t = sd.find("fc1.weight")) ...
//
// Scalars (a learning rate, a step count) are stored as 0-d tensors, so one
// StateDict - and one safetensors file - can hold a whole training state.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tensor.h"

namespace nabla {

class StateDict {
 public:
  using Item = std::pair<std::string, Tensor>;

  // Adds `name`, or replaces the tensor already stored under it.
  void insert(const std::string& name, const Tensor& t) {
    for (Item& item : items_)
      if (item.first == name) {
        item.second = t;
        return;
      }
    items_.emplace_back(name, t);
  }
  const Tensor* find(const std::string& name) const {
    for (const Item& item : items_)
      if (item.first == name) return &item.second;
    return nullptr;
  }
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  // The tensor under `name`, or an Error naming the missing key.
  const Tensor& at(const std::string& name) const {
    const Tensor* t = find(name);
    NABLA_CHECK(t != nullptr, "StateDict::at", "no entry named '", name, "' (", items_.size(), " entries)");
    return *t;
  }
  // Every entry whose name starts with `prefix`, with the prefix removed
  // ("optimizer." selects what an optimizer saved into a checkpoint).
  StateDict with_prefix_removed(const std::string& prefix) const {
    StateDict out;
    for (const Item& item : items_)
      if (item.first.compare(0, prefix.size(), prefix) == 0)
        out.items_.emplace_back(item.first.substr(prefix.size()), item.second);
    return out;
  }
  // Adds every entry of `other` with `prefix` put before its name.
  void merge(const StateDict& other, const std::string& prefix = "") {
    for (const Item& item : other.items_) insert(prefix + item.first, item.second);
  }

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<Item>::const_iterator begin() const { return items_.begin(); }
  std::vector<Item>::const_iterator end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
};

}  // namespace nabla
