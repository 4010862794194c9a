// Module: the base of every layer and model. It owns named parameters (the
// tensors an optimizer updates), buffers (state that is saved but not
// trained, like BatchNorm's running mean) and child modules, each kept in
// registration order, so names read as in PyTorch: "encoder.0.weight".
//
//   struct Net : nn::Module {
//     std::shared_ptr<nn::Linear> fc1, fc2;
//     Net() : Module("Net") {
//       fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 128));
//       fc2 = register_module("fc2", std::make_shared<nn::Linear>(128, 10));
//     }
//     Tensor forward(const Tensor& x) override { return fc2->forward(relu(fc1->forward(x))); }
//   };
//
// A parameter is a Tensor handle: the member (`weight`) and the registry
// entry share one TensorImpl, so the optimizer, the module and a loaded
// checkpoint all see the same values. Device moves and loading write into
// that TensorImpl in place, never swap it, so every handle stays valid.
//
// Modules are held by std::shared_ptr (children, Sequential, the trainer)
// and cannot be copied: a copy would silently share parameters.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../tensor/state_dict.h"
#include "../tensor/tensor.h"

namespace nabla::nn {

class Module;

// hook(module, input, output) runs after forward (operator()); it may
// inspect or log, e.g. to record activation statistics.
using ForwardHook = std::function<void(Module&, const Tensor& input, const Tensor& output)>;
// hook(module, input) runs before forward.
using ForwardPreHook = std::function<void(Module&, const Tensor& input)>;

// What load_state_dict found: every problem at once, not the first one.
struct LoadReport {
  std::vector<std::string> missing_keys;     // in the module, not in the file
  std::vector<std::string> unexpected_keys;  // in the file, not in the module
  std::vector<std::string> mismatches;       // "name: expected [3, 4] float32, got [4, 3] float32"
  std::vector<std::string> loaded;           // what was copied in
  bool ok() const { return missing_keys.empty() && unexpected_keys.empty() && mismatches.empty(); }
  std::string str() const;  // one line per problem
};

class Module {
 public:
  explicit Module(std::string type_name);
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  // Moving is fine (Sequential(nn::Linear(2, 3), ...) moves its arguments):
  // the parameters move with their handles.
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  // ---- forward --------------------------------------------------------------
  // The computation of a one-input module. Modules with other signatures
  // (attention, recurrent layers) add their own forward overloads too.
  virtual Tensor forward(const Tensor& input);
  // forward(input) wrapped by the pre-hooks and hooks.
  Tensor operator()(const Tensor& input);

  // ---- registration (returns the handle to keep as a member) ---------------
  Tensor register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  // A persistent buffer is saved in state_dict(); a non-persistent one is not.
  Tensor register_buffer(const std::string& name, Tensor value, bool persistent = true);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // ---- what the module holds -----------------------------------------------
  // Parameters of this module and (recurse) its children, depth first in
  // registration order; a tensor shared by two modules is listed once.
  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  // Every module below this one (not this one), with dotted names.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules() const;
  // Number of parameter elements; only those that require grad when trainable_only.
  int64_t num_parameters(bool trainable_only = false) const;

  // ---- mode, gradients, devices --------------------------------------------
  virtual void train(bool on = true);  // recursive; Dropout/BatchNorm read is_training()
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();  // drops every parameter's .grad (set_to_none, as PyTorch's default)
  // Moves (or converts) every parameter and buffer in place: the handles
  // held elsewhere (an optimizer's) follow.
  void to(Device device);
  void to(DType dtype);  // floating parameters and buffers only

  // ---- state ----------------------------------------------------------------
  // Parameters and persistent buffers by dotted name (tensors shared, not copied).
  StateDict state_dict() const;
  // Copies every matching entry into this module's tensors (no autograd).
  // strict: any missing/unexpected key or shape/dtype mismatch is an Error
  // listing all of them, and nothing is loaded. Not strict: loads what
  // matches and returns the report.
  LoadReport load_state_dict(const StateDict& state, bool strict = true);

  // ---- hooks ------------------------------------------------------------------
  // Returns an id for remove_hook.
  int register_forward_hook(ForwardHook hook);
  int register_forward_pre_hook(ForwardPreHook hook);
  void remove_hook(int id);

  // ---- printing --------------------------------------------------------------
  const std::string& type_name() const { return type_name_; }
  // The arguments shown in repr(), e.g. "in_features=784, out_features=128".
  virtual std::string extra_repr() const { return ""; }
  // PyTorch-style nested description of the module tree.
  std::string repr() const;
  // A Keras-like table: every leaf module with its output shape for a batch
  // of `input_shape`, its parameter count, then the totals. Runs one forward
  // pass without gradients on zeros of that shape.
  std::string summary(const Shape& input_shape, DType dtype = kFloat32);

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> module);

 private:
  void check_new_name(const std::string& name, const char* what) const;
  void collect_parameters(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out,
                          std::vector<const TensorImpl*>& seen, bool recurse) const;
  void collect_buffers(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out, bool recurse,
                       bool persistent_only) const;
  void collect_modules(const std::string& prefix,
                       std::vector<std::pair<std::string, std::shared_ptr<Module>>>& out) const;
  void repr_into(std::string& out, int indent) const;

  struct Buffer {
    std::string name;
    Tensor value;
    bool persistent;
  };
  std::string type_name_;
  bool training_ = true;
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<Buffer> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::vector<std::pair<int, ForwardHook>> forward_hooks_;
  std::vector<std::pair<int, ForwardPreHook>> forward_pre_hooks_;
  int next_hook_id_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace nabla::nn
