#include "module.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "../autograd/grad_mode.h"
#include "../tensor/creation.h"

namespace nabla::nn {

std::string LoadReport::str() const {
  std::ostringstream os;
  for (const auto& k : missing_keys) os << "\n  missing key: " << k;
  for (const auto& k : unexpected_keys) os << "\n  unexpected key: " << k;
  for (const auto& m : mismatches) os << "\n  mismatch: " << m;
  return os.str();
}

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

Tensor Module::forward(const Tensor& /*input*/) {
  NABLA_CHECK(false, type_name_ + ".forward",
              "this module has no one-input forward(Tensor); call its own forward overload");
  return {};
}

Tensor Module::operator()(const Tensor& input) {
  for (auto& [id, hook] : forward_pre_hooks_) hook(*this, input);
  Tensor output = forward(input);
  for (auto& [id, hook] : forward_hooks_) hook(*this, input, output);
  return output;
}

// ---- registration -------------------------------------------------------------

void Module::check_new_name(const std::string& name, const char* what) const {
  NABLA_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_ + "." + what,
              "a name must be non-empty and have no '.', got '", name, "'");
  bool taken = std::any_of(parameters_.begin(), parameters_.end(), [&](auto& p) { return p.first == name; }) ||
               std::any_of(buffers_.begin(), buffers_.end(), [&](auto& b) { return b.name == name; }) ||
               std::any_of(children_.begin(), children_.end(), [&](auto& c) { return c.first == name; });
  NABLA_CHECK(!taken, type_name_ + "." + what, "the name '", name, "' is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_new_name(name, "register_parameter");
  NABLA_CHECK(value.defined(), type_name_ + ".register_parameter", "parameter '", name, "' is an undefined tensor");
  NABLA_CHECK(value.is_leaf(), type_name_ + ".register_parameter", "parameter '", name,
              "' has a grad_fn; register a leaf (use .detach())");
  value.requires_grad_(requires_grad);
  parameters_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value, bool persistent) {
  check_new_name(name, "register_buffer");
  buffers_.push_back({name, value, persistent});
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name, "register_module");
  NABLA_CHECK(module != nullptr, type_name_ + ".register_module", "child '", name, "' is null");
  NABLA_CHECK(module.get() != this, type_name_ + ".register_module", "a module cannot be its own child");
  module->train(training_);
  children_.emplace_back(name, std::move(module));
}

// ---- traversal ----------------------------------------------------------------

void Module::collect_parameters(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out,
                                std::vector<const TensorImpl*>& seen, bool recurse) const {
  for (const auto& [name, p] : parameters_) {
    if (std::find(seen.begin(), seen.end(), p.impl()) != seen.end()) continue;  // shared (tied) weight
    seen.push_back(p.impl());
    out.emplace_back(prefix + name, p);
  }
  if (!recurse) return;
  for (const auto& [name, child] : children_) child->collect_parameters(prefix + name + ".", out, seen, true);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::vector<const TensorImpl*> seen;
  collect_parameters("", out, seen, recurse);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters(recurse)) out.push_back(p);
  return out;
}

void Module::collect_buffers(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out, bool recurse,
                             bool persistent_only) const {
  for (const Buffer& b : buffers_)
    if (b.value.defined() && (b.persistent || !persistent_only)) out.emplace_back(prefix + b.name, b.value);
  if (!recurse) return;
  for (const auto& [name, child] : children_) child->collect_buffers(prefix + name + ".", out, true, persistent_only);
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect_buffers("", out, recurse, false);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, b] : named_buffers(recurse)) out.push_back(b);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& [name, c] : children_) out.push_back(c);
  return out;
}

void Module::collect_modules(const std::string& prefix,
                             std::vector<std::pair<std::string, std::shared_ptr<Module>>>& out) const {
  for (const auto& [name, child] : children_) {
    out.emplace_back(prefix + name, child);
    child->collect_modules(prefix + name + ".", out);
  }
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() const {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  collect_modules("", out);
  return out;
}

int64_t Module::num_parameters(bool trainable_only) const {
  int64_t n = 0;
  for (const Tensor& p : parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

// ---- mode, gradients, devices ----------------------------------------------------

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (const Tensor& p : parameters()) p.zero_grad();
}

namespace {
// Makes `dst` (a handle others hold too) describe `src`'s data: the
// TensorImpl stays, its storage and layout change.
void assign_in_place(const Tensor& dst, const Tensor& src) {
  TensorImpl* d = dst.impl();
  const TensorImpl* s = src.impl();
  d->storage = s->storage;
  d->shape = s->shape;
  d->strides = s->strides;
  d->offset = s->offset;
  d->dtype = s->dtype;
  d->contiguous = s->contiguous;
  d->numel = s->numel;
}
}  // namespace

void Module::to(Device device) {
  NoGradGuard no_grad;
  for (const Tensor& t : parameters()) {
    assign_in_place(t, t.to(device));
    if (t.grad().defined()) t.set_grad(t.grad().to(device));
  }
  for (const Tensor& b : buffers()) assign_in_place(b, b.to(device));
}

void Module::to(DType dtype) {
  NABLA_CHECK(is_floating(dtype), type_name_ + ".to", "modules convert to a floating dtype only, got ",
              dtype_name(dtype));
  NoGradGuard no_grad;
  for (const Tensor& t : parameters()) {
    if (!is_floating(t.dtype())) continue;
    assign_in_place(t, t.to(dtype));
    if (t.grad().defined()) t.set_grad(t.grad().to(dtype));
  }
  for (const Tensor& b : buffers())
    if (is_floating(b.dtype())) assign_in_place(b, b.to(dtype));
}

// ---- state ----------------------------------------------------------------------

StateDict Module::state_dict() const {
  StateDict sd;
  // Per module: its parameters, then its persistent buffers, then its
  // children - the order PyTorch's state_dict() uses.
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (const auto& [name, p] : m.parameters_) sd.insert(prefix + name, p);
    for (const Buffer& b : m.buffers_)
      if (b.persistent && b.value.defined()) sd.insert(prefix + b.name, b.value);
    for (const auto& [name, child] : m.children_) walk(*child, prefix + name + ".");
  };
  walk(*this, "");
  return sd;
}

LoadReport Module::load_state_dict(const StateDict& state, bool strict) {
  LoadReport report;
  StateDict mine = state_dict();
  std::vector<std::pair<Tensor, Tensor>> copies;  // (dst, src) once everything is checked
  for (const auto& [name, dst] : mine) {
    const Tensor* src = state.find(name);
    if (!src) {
      report.missing_keys.push_back(name);
      continue;
    }
    if (src->shape() != dst.shape() || src->dtype() != dst.dtype()) {
      report.mismatches.push_back(name + ": expected " + shape_str(dst.shape()) + " " + dtype_name(dst.dtype()) +
                                  ", got " + shape_str(src->shape()) + " " + dtype_name(src->dtype()));
      continue;
    }
    copies.emplace_back(dst, *src);
    report.loaded.push_back(name);
  }
  for (const auto& [name, t] : state)
    if (!mine.contains(name)) report.unexpected_keys.push_back(name);
  NABLA_CHECK(!strict || report.ok(), type_name_ + ".load_state_dict", "the state does not match the module (",
              report.missing_keys.size(), " missing, ", report.unexpected_keys.size(), " unexpected, ",
              report.mismatches.size(), " mismatched); nothing was loaded:", report.str());
  NoGradGuard no_grad;
  for (auto& [dst, src] : copies) {
    dst.copy_(src);
    dst.bump_version();
  }
  return report;
}

// ---- hooks --------------------------------------------------------------------------

int Module::register_forward_hook(ForwardHook hook) {
  forward_hooks_.emplace_back(next_hook_id_, std::move(hook));
  return next_hook_id_++;
}

int Module::register_forward_pre_hook(ForwardPreHook hook) {
  forward_pre_hooks_.emplace_back(next_hook_id_, std::move(hook));
  return next_hook_id_++;
}

void Module::remove_hook(int id) {
  auto drop = [id](auto& hooks) {
    hooks.erase(std::remove_if(hooks.begin(), hooks.end(), [id](auto& h) { return h.first == id; }), hooks.end());
  };
  drop(forward_hooks_);
  drop(forward_pre_hooks_);
}

// ---- printing -------------------------------------------------------------------------

void Module::repr_into(std::string& out, int indent) const {
  out += type_name_ + "(" + extra_repr();
  if (children_.empty()) {
    out += ")";
    return;
  }
  out += "\n";
  for (const auto& [name, child] : children_) {
    out += std::string(indent + 2, ' ') + "(" + name + "): ";
    child->repr_into(out, indent + 2);
    out += "\n";
  }
  out += std::string(indent, ' ') + ")";
}

std::string Module::repr() const {
  std::string out;
  repr_into(out, 0);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.repr(); }

std::string Module::summary(const Shape& input_shape, DType dtype) {
  struct Row {
    std::string name, type;
    Shape out_shape;
    int64_t params;
  };
  std::vector<Row> rows;
  std::vector<std::pair<Module*, int>> installed;
  auto modules = named_modules();
  if (modules.empty()) modules.emplace_back(type_name_, std::shared_ptr<Module>(this, [](Module*) {}));
  for (auto& [name, m] : modules) {
    if (!m->children_.empty()) continue;  // leaves only: containers would repeat their children
    int64_t own = 0;
    for (const auto& [pname, p] : m->parameters_) own += p.numel();
    std::string row_name = name;
    Module* mp = m.get();
    int id = m->register_forward_hook([&rows, row_name, mp, own](Module&, const Tensor&, const Tensor& out) {
      rows.push_back({row_name, mp->type_name(), out.shape(), own});
    });
    installed.emplace_back(mp, id);
  }
  Shape final_shape;
  {
    NoGradGuard no_grad;
    bool was_training = training_;
    eval();  // BatchNorm must not update its running stats on the dummy batch
    try {
      final_shape = (*this)(zeros(input_shape, dtype)).shape();
    } catch (...) {
      train(was_training);
      for (auto& [mp, id] : installed) mp->remove_hook(id);
      throw;
    }
    train(was_training);
  }
  for (auto& [mp, id] : installed) mp->remove_hook(id);

  std::vector<std::string> c0{"Layer (type)"}, c1{"Output shape"}, c2{"Params"};
  for (const Row& r : rows) {
    c0.push_back(r.name + " (" + r.type + ")");
    c1.push_back(shape_str(r.out_shape));
    c2.push_back(std::to_string(r.params));
  }
  size_t w0 = 0, w1 = 0, w2 = 0;
  for (size_t i = 0; i < c0.size(); ++i) {
    w0 = std::max(w0, c0[i].size());
    w1 = std::max(w1, c1[i].size());
    w2 = std::max(w2, c2[i].size());
  }
  std::ostringstream os;
  size_t width = w0 + w1 + w2 + 6;
  os << type_name_ << " summary for input " << shape_str(input_shape) << "\n" << std::string(width, '=') << "\n";
  for (size_t i = 0; i < c0.size(); ++i) {
    os << std::left << std::setw(static_cast<int>(w0)) << c0[i] << "   " << std::setw(static_cast<int>(w1)) << c1[i]
       << "   " << std::right << std::setw(static_cast<int>(w2)) << c2[i] << "\n";
    if (i == 0) os << std::string(width, '-') << "\n";
  }
  int64_t total = num_parameters(), trainable = num_parameters(true);
  os << std::string(width, '=') << "\n"
     << "Output shape: " << shape_str(final_shape) << "\n"
     << "Total params: " << total << "\n"
     << "Trainable params: " << trainable << "\n"
     << "Non-trainable params: " << total - trainable << "\n";
  return os.str();
}

}  // namespace nabla::nn
