// Containers: modules made of other modules.
//
//   Sequential: forward runs the children in order, each on the output of
//               the one before: y = fₙ(… f₂(f₁(x))). Children are named
//               "0", "1", … as in PyTorch, so its state dict reads "0.weight".
//   ModuleList: holds children (e.g. the layers of a model that loops over
//               them in its own forward); it has no forward of its own.
//
//   auto net = std::make_shared<nn::Sequential>(nn::Linear(784, 128), nn::ReLU(), nn::Linear(128, 10));
//
// Modules given by value are moved into the container; give a
// std::shared_ptr to keep a handle to a child.
#pragma once
#include <memory>
#include <type_traits>
#include <utility>

#include "module.h"

namespace nabla::nn {

namespace detail {
template <class M>
std::shared_ptr<Module> to_module_ptr(M&& m) {
  using D = std::decay_t<M>;
  if constexpr (std::is_convertible_v<D, std::shared_ptr<Module>>)
    return std::forward<M>(m);
  else
    return std::make_shared<D>(std::forward<M>(m));
}
// True for a module value or a shared_ptr to one.
template <class M>
constexpr bool is_module_arg_v =
    std::is_base_of_v<Module, std::decay_t<M>> || std::is_convertible_v<std::decay_t<M>, std::shared_ptr<Module>>;
}  // namespace detail

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  template <class... Ms, class = std::enable_if_t<(detail::is_module_arg_v<Ms> && ...)>>
  explicit Sequential(Ms&&... modules) : Module("Sequential") {
    (push_back(detail::to_module_ptr(std::forward<Ms>(modules))), ...);
  }
  void push_back(std::shared_ptr<Module> module);
  // Adds a child under its own name (instead of its index).
  void push_back(const std::string& name, std::shared_ptr<Module> module);
  Tensor forward(const Tensor& x) override;

  size_t size() const { return named_children().size(); }
  const std::shared_ptr<Module>& operator[](size_t i) const;

 protected:
  explicit Sequential(std::string type_name) : Module(std::move(type_name)) {}
};

class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  template <class... Ms, class = std::enable_if_t<(detail::is_module_arg_v<Ms> && ...)>>
  explicit ModuleList(Ms&&... modules) : Module("ModuleList") {
    (push_back(detail::to_module_ptr(std::forward<Ms>(modules))), ...);
  }
  void push_back(std::shared_ptr<Module> module);
  size_t size() const { return named_children().size(); }
  const std::shared_ptr<Module>& operator[](size_t i) const;
};

}  // namespace nabla::nn
