#include "optimizer.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "../autograd/grad_consumer.h"
#include "../autograd/grad_mode.h"
#include "../autograd/node.h"
#include "../tensor/capture.h"
#include "../tensor/creation.h"

namespace nabla::optim {

double ParamGroup::get(const std::string& name) const {
  auto it = options.find(name);
  NABLA_CHECK(it != options.end(), "ParamGroup::get", "the group has no option '", name, "'");
  return it->second;
}

Optimizer::Optimizer(std::string name, Options defaults, const Options& overrides, std::vector<std::string> buffers)
    : name_(std::move(name)), defaults_(std::move(defaults)), buffer_names_(std::move(buffers)) {
  check_known(overrides, "the defaults");
  for (const auto& [option, value] : overrides) defaults_[option] = value;
}

void Optimizer::check_known(const Options& options, const std::string& where) const {
  for (const auto& [option, value] : options) {
    if (defaults_.count(option)) continue;
    std::string known;
    for (const auto& [name, v] : defaults_) known += (known.empty() ? "" : ", ") + name;
    NABLA_CHECK(false, name_, "unknown option '", option, "' in ", where, " (", name_, " knows: ", known, ")");
  }
}

void Optimizer::add_param_groups(std::vector<ParamGroup> groups) {
  size_t count = 0;
  for (const ParamGroup& g : groups) count += g.params.size();
  NABLA_CHECK(count > 0, name_, "got an empty parameter list");
  for (ParamGroup& g : groups) add_param_group(std::move(g));
}

void Optimizer::check_group(const ParamGroup& group, const std::vector<const TensorImpl*>& already) const {
  const size_t g = groups_.size();
  std::vector<const TensorImpl*> seen = already;
  for (size_t i = 0; i < group.params.size(); ++i) {
    const Tensor& p = group.params[i];
    NABLA_CHECK(p.defined(), name_, "parameter ", i, " of group ", g, " is undefined");
    NABLA_CHECK(p.is_leaf(), name_, "can't optimize a non-leaf tensor (parameter ", i, " of group ", g,
                " was made by '", p.grad_fn()->name, "'; use detach() to get a leaf)");
    NABLA_CHECK(is_floating(p.dtype()), name_, "parameter ", i, " of group ", g, " is ", dtype_name(p.dtype()),
                "; only float32/float64 tensors can be optimized");
    NABLA_CHECK(p.is_contiguous(), name_, "parameter ", i, " of group ", g, " (shape ", shape_str(p.shape()),
                ") is not contiguous");
    NABLA_CHECK(std::find(seen.begin(), seen.end(), p.impl()) == seen.end(), name_, "parameter ", i, " of group ", g,
                " (shape ", shape_str(p.shape()), ") appears more than once in the optimizer");
    seen.push_back(p.impl());
  }
}

void Optimizer::add_param_group(ParamGroup group) {
  check_known(group.options, "parameter group " + std::to_string(groups_.size()));
  for (const auto& [option, value] : defaults_) group.options.emplace(option, value);  // keeps the group's own
  for (const auto& [option, value] : group.options)
    NABLA_CHECK(!std::isnan(value), name_, "option '", option, "' is required (it has no default) in parameter group ",
                groups_.size());
  check_options(group.options);
  std::vector<const TensorImpl*> already;
  for (const ParamGroup& g : groups_)
    for (const Tensor& p : g.params) already.push_back(p.impl());
  check_group(group, already);
  if (in_backward_) {
    check_no_other_consumer(group);
    set_consumer(group, groups_.size(), true);
  }
  groups_.push_back(std::move(group));
}

const ParamState* Optimizer::state(const Tensor& param) const {
  auto it = state_.find(param.impl());
  return it == state_.end() ? nullptr : &it->second;
}

Tensor Optimizer::buffer(ParamState& state, const std::string& name, const Tensor& param, double fill) {
  if (const Tensor* t = state.buffers.find(name)) return *t;
  Tensor t = full(param.shape(), fill, TensorOptions(param.dtype(), param.device()));
  state.buffers.insert(name, t);
  return t;
}

Optimizer::~Optimizer() {
  *self_ = nullptr;
  step_in_backward(false);
}

void Optimizer::update_group(const ParamGroup& group, std::vector<ParamUpdate>& params) {
  for (ParamUpdate& u : params) {
    u.state = &state_[u.param.impl()];
    u.state->step += 1;
  }
  update(group, params);
  for (const ParamUpdate& u : params) {
    u.param.bump_version();
    for (const auto& item : u.state->buffers) item.second.bump_version();
  }
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (size_t g = 0; g < groups_.size(); ++g) {
    // Every gradient of the group is checked before any parameter changes.
    pending_.clear();
    for (const Tensor& p : groups_[g].params) {
      const Tensor grad = p.grad();
      if (!grad.defined()) continue;
      check_gradient(p, grad, ".step");
      pending_.push_back({p, grad.contiguous()});  // a copy, if any, is part of a captured step
    }
    if (pending_.empty()) continue;
    update_recorded(g, pending_);
    pending_.clear();  // lets the gradients go with zero_grad(), keeps the capacity
  }
}

void Optimizer::update_recorded(size_t g, std::vector<ParamUpdate>& params) {
  std::optional<detail::TapePause> pause;
  if (detail::capturing()) {
    // Captured: the replay runs this update again, reading the options and
    // state it finds then, so its kernels are not recorded as they are now.
    detail::on_replay([self = self_, g, params]() mutable {
      Optimizer* opt = *self;
      NABLA_CHECK(opt, "replay", "the optimizer this step was captured with has been destroyed");
      NABLA_CHECK(g < opt->groups_.size(), "replay", opt->name_, " has fewer parameter groups than when captured");
      NoGradGuard no_grad;
      opt->update_group(opt->groups_[g], params);
    });
    pause.emplace();
  }
  update_group(groups_[g], params);
}

void Optimizer::check_gradient(const Tensor& param, const Tensor& grad, const char* where) const {
  NABLA_CHECK(grad.shape() == param.shape() && grad.dtype() == param.dtype(), name_, where, ": the gradient (",
              shape_str(grad.shape()), " ", dtype_name(grad.dtype()), ") does not match its parameter (",
              shape_str(param.shape()), " ", dtype_name(param.dtype()), ")");
}

// ---- stepping in backward ------------------------------------------------------

// Takes each parameter's gradient from the engine (autograd/grad_consumer.h)
// and makes that parameter's update, as step() would make it.
class Optimizer::InBackward : public autograd::GradConsumer {
 public:
  explicit InBackward(Optimizer& opt) : opt_(opt) {}

  // Called as parameters start (or stop) stepping in backward.
  void add(const Tensor& param, size_t group) { group_of_[param.impl()] = group; }

  void take(const Tensor& param, const Tensor& grad) override {
    const size_t g = group_of(param);
    NoGradGuard no_grad;
    opt_.check_gradient(param, grad, " (stepping in backward)");
    one_.assign(1, ParamUpdate{param, grad.contiguous()});
    opt_.update_recorded(g, one_);
    one_.clear();  // lets the gradient go, keeps the capacity
  }

  bool take_product(const Tensor& param, const Tensor& a, const Tensor& b) override {
    if (a.ndim() != 2 || b.ndim() != 2 || param.ndim() != 2 || a.size(0) != param.size(0) ||
        b.size(1) != param.size(1) || a.size(1) != b.size(0) || a.dtype() != param.dtype() ||
        b.dtype() != param.dtype() || a.device() != param.device() || b.device() != param.device())
      return false;  // not this parameter's gradient as it stands: let the engine form it and check
    const ParamGroup& group = opt_.groups_[group_of(param)];
    ParamState& state = opt_.state_[param.impl()];
    state.step += 1;
    NoGradGuard no_grad;
    if (!opt_.update_from_product(group, param, state, a, b)) {
      state.step -= 1;
      return false;
    }
    param.bump_version();
    for (const auto& item : state.buffers) item.second.bump_version();
    return true;
  }

 private:
  size_t group_of(const Tensor& param) const {
    auto it = group_of_.find(param.impl());
    NABLA_CHECK(it != group_of_.end(), opt_.name_, " (stepping in backward): a parameter of shape ",
                shape_str(param.shape()), " is not in any of its groups");
    return it->second;
  }

  Optimizer& opt_;
  std::unordered_map<const TensorImpl*, size_t> group_of_;
  std::vector<ParamUpdate> one_;  // take()'s list, reused
};

bool Optimizer::update_from_product(const ParamGroup&, const Tensor&, ParamState&, const Tensor&, const Tensor&) {
  return false;
}

void Optimizer::check_no_other_consumer(const ParamGroup& group) const {
  for (const Tensor& p : group.params)
    NABLA_CHECK(!p.impl()->consumer || p.impl()->consumer == in_backward_.get(), name_,
                ".step_in_backward: a parameter of shape ", shape_str(p.shape()),
                " already steps in backward with another optimizer");
}

void Optimizer::set_consumer(const ParamGroup& group, size_t index, bool on) {
  for (const Tensor& p : group.params) {
    TensorImpl* impl = p.impl();
    if (on) {
      impl->consumer = in_backward_.get();
      in_backward_->add(p, index);
    } else if (impl->consumer == in_backward_.get()) {
      impl->consumer = nullptr;
    }
  }
}

void Optimizer::step_in_backward(bool on) {
  if (on == steps_in_backward()) return;
  if (on) {
    for (const ParamGroup& group : groups_) check_no_other_consumer(group);
    in_backward_ = std::make_unique<InBackward>(*this);
    for (size_t g = 0; g < groups_.size(); ++g) set_consumer(groups_[g], g, true);
  } else {
    for (size_t g = 0; g < groups_.size(); ++g) set_consumer(groups_[g], g, false);
    in_backward_.reset();
  }
}

void Optimizer::zero_grad() {
  for (const ParamGroup& group : groups_)
    for (const Tensor& p : group.params) p.zero_grad();
}

// ---- state_dict -------------------------------------------------------------------

StateDict Optimizer::state_dict() const {
  StateDict out;
  int64_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    const int64_t n = static_cast<int64_t>(groups_[g].params.size());
    out.insert(prefix + "params", arange(static_cast<double>(index), static_cast<double>(index + n), 1.0, kInt64));
    for (const auto& [option, value] : groups_[g].options) out.insert(prefix + option, scalar_tensor(value, kFloat64));
    index += n;
  }
  index = 0;
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      if (const ParamState* s = state(p)) {
        const std::string prefix = "state." + std::to_string(index) + ".";
        out.insert(prefix + "step", scalar_tensor(static_cast<double>(s->step), kInt64));
        for (const auto& [name, t] : s->buffers) out.insert(prefix + name, t);
      }
      ++index;
    }
  }
  return out;
}

namespace {
// "<head>.<number>.<rest>" -> number and rest; false when `key` has another form.
bool split_key(const std::string& key, const std::string& head, int64_t& number, std::string& rest) {
  if (key.compare(0, head.size() + 1, head + ".") != 0) return false;
  size_t start = head.size() + 1, dot = key.find('.', start);
  if (dot == std::string::npos || dot == start || dot + 1 == key.size()) return false;
  const std::string digits = key.substr(start, dot - start);
  if (digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  number = std::stoll(digits);
  rest = key.substr(dot + 1);
  return true;
}
}  // namespace

void Optimizer::load_state_dict(const StateDict& sd) {
  const std::string op = name_ + ".load_state_dict";
  // Every parameter, numbered across groups as in state_dict().
  std::vector<Tensor> params;
  for (const ParamGroup& g : groups_) params.insert(params.end(), g.params.begin(), g.params.end());

  // 1. Sort the entries into group options and parameter state, checking names.
  std::vector<Options> options(groups_.size());
  std::vector<int64_t> group_sizes(groups_.size(), -1);
  std::map<int64_t, ParamState> states;
  size_t num_saved_groups = 0;
  for (const auto& [key, t] : sd) {
    int64_t number = 0;
    std::string rest;
    if (split_key(key, "param_groups", number, rest)) {
      num_saved_groups = std::max(num_saved_groups, static_cast<size_t>(number) + 1);
      NABLA_CHECK(number < static_cast<int64_t>(groups_.size()), op, "the state has parameter group ", number,
                  " but the optimizer has ", groups_.size(), " group(s)");
      if (rest == "params") {
        NABLA_CHECK(t.ndim() == 1, op, "'", key, "' must be 1-D, got shape ", shape_str(t.shape()));
        group_sizes[number] = t.numel();
      } else {
        NABLA_CHECK(t.numel() == 1, op, "'", key, "' must hold one value, got shape ", shape_str(t.shape()));
        options[number][rest] = t.item<double>();
      }
    } else if (split_key(key, "state", number, rest)) {
      NABLA_CHECK(number < static_cast<int64_t>(params.size()), op, "'", key, "' is for parameter ", number,
                  " but the optimizer has ", params.size(), " parameter(s)");
      const Tensor& p = params[number];
      if (rest == "step") {
        NABLA_CHECK(t.numel() == 1, op, "'", key, "' must hold one value, got shape ", shape_str(t.shape()));
        states[number].step = t.item<int64_t>();
      } else {
        NABLA_CHECK(std::find(buffer_names_.begin(), buffer_names_.end(), rest) != buffer_names_.end(), op,
                    "unexpected state '", key, "' (", name_, " keeps no buffer named '", rest, "')");
        NABLA_CHECK(t.shape() == p.shape(), op, "'", key, "' has shape ", shape_str(t.shape()), " but parameter ",
                    number, " has shape ", shape_str(p.shape()));
        NABLA_CHECK(is_floating(t.dtype()), op, "'", key, "' is ", dtype_name(t.dtype()), ", expected a float tensor");
        states[number].buffers.insert(rest, t);
      }
    } else {
      NABLA_CHECK(false, op, "unexpected entry '", key, "' (expected param_groups.<g>.* or state.<i>.*)");
    }
  }

  // 2. Check the groups: counts, sizes, complete and valid options.
  NABLA_CHECK(num_saved_groups == groups_.size(), op, "the state has ", num_saved_groups,
              " parameter group(s) but the optimizer has ", groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    NABLA_CHECK(group_sizes[g] >= 0, op, "missing 'param_groups.", g, ".params'");
    NABLA_CHECK(group_sizes[g] == static_cast<int64_t>(groups_[g].params.size()), op, "parameter group ", g, " has ",
                group_sizes[g], " parameter(s) in the state but ", groups_[g].params.size(), " in the optimizer");
    for (const auto& [option, value] : defaults_)
      NABLA_CHECK(options[g].count(option), op, "parameter group ", g, " lacks option '", option, "'");
    check_options(options[g]);
  }
  for (const auto& [index, s] : states)
    NABLA_CHECK(s.step > 0 || s.buffers.empty(), op, "state ", index, " has buffers but no 'step'");

  // 3. All good: copy in (the optimizer never shares tensors with the caller).
  NoGradGuard no_grad;
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = options[g];
  state_.clear();
  for (const auto& [index, s] : states) {
    const Tensor& p = params[index];
    ParamState copy;
    copy.step = s.step;
    for (const auto& [name, t] : s.buffers) copy.buffers.insert(name, t.to(p.device()).astype(p.dtype()));
    state_[p.impl()] = std::move(copy);
  }
}

}  // namespace nabla::optim
