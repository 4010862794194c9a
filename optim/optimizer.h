// Optimizer: the base of SGD, Adam, AdamW, RMSprop and Adagrad, with
// PyTorch's parameter groups.
//
//   optim::Adam adam(model.parameters(), {{"lr", 3e-4}, {"weight_decay", 0.01}});
//   for (...) {
//     adam.zero_grad();            // every .grad set to none
//     loss(model, batch).backward();
//     adam.step();                 // parameters updated in place
//   }
//
// A parameter group is a list of parameters with its own hyper-parameters:
// a group's options override the optimizer's defaults, so the head of a
// network can learn faster than its pretrained body:
//
//   optim::SGD sgd({{body->parameters(), {{"lr", 1e-3}}},
//                   {head->parameters()}},             // uses the default lr
//                  {{"lr", 1e-2}, {"momentum", 0.9}});
//
// Hyper-parameters are kept by name as doubles ("lr", "momentum", "beta1",
// "amsgrad" = 0 or 1, ...), so learning-rate schedulers read and write any of
// them without knowing the optimizer (group.lr(), group.set("beta1", 0.9)).
// An option name the optimizer does not know is an Error, so a typo is caught.
//
// Per-parameter state (Adam's moving averages, the step count) is made
// lazily, at a parameter's first step, as in PyTorch. state_dict() puts all
// of it, and every group's options, into one StateDict:
//   param_groups.<g>.params       int64 [n]  the indices of the group's parameters
//   param_groups.<g>.<option>     float64 0-d, one per option ("lr", ...)
//   state.<i>.step                int64 0-d  updates made to parameter i
//   state.<i>.<buffer>            the parameter's state ("exp_avg", ...)
// where parameters are numbered across groups in order, as in PyTorch.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "../tensor/state_dict.h"
#include "../tensor/tensor.h"

namespace nabla::optim {

// Hyper-parameters by name: {{"lr", 0.1}, {"momentum", 0.9}}.
using Options = std::map<std::string, double>;

struct ParamGroup {
  std::vector<Tensor> params;
  Options options;  // complete once the group is in an optimizer

  ParamGroup(std::vector<Tensor> params_, Options options_ = {})  // NOLINT: {params, {{"lr", 0.1}}} reads naturally
      : params(std::move(params_)), options(std::move(options_)) {}

  bool has(const std::string& name) const { return options.count(name) != 0; }
  // The option's value, or an Error naming the missing option.
  double get(const std::string& name) const;
  bool flag(const std::string& name) const { return get(name) != 0.0; }  // boolean options
  void set(const std::string& name, double value) { options[name] = value; }
  double lr() const { return get("lr"); }
  void set_lr(double lr) { set("lr", lr); }
};

// What an optimizer keeps for one parameter.
struct ParamState {
  int64_t step = 0;   // updates made so far
  StateDict buffers;  // tensors shaped like the parameter: "exp_avg", "momentum_buffer", ...
};

// One parameter as step() hands it to an optimizer's update(): its
// gradient (contiguous) and its state, whose step already counts this update.
struct ParamUpdate {
  Tensor param, grad;
  ParamState* state = nullptr;
};

class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a .grad (the others are skipped),
  // without recording a graph; each updated parameter's version is bumped.
  // Inside capture() (tensor/capture.h) it also adds itself to the step's
  // replay: each replay updates those parameters again with the options and
  // state the optimizer has then (a changed lr, Adam's next step count).
  void step();
  // Sets every parameter's .grad to none (PyTorch's set_to_none=True).
  void zero_grad();
  // From now on, backward() makes the updates: each parameter is updated as
  // soon as a backward has its whole gradient, which is then dropped (.grad
  // stays none) - PyTorch's "optimizer step in backward". The loop is just
  // forward and backward:
  //
  //   sgd.step_in_backward();
  //   for (...) loss(model, batch).backward();   // no zero_grad(), no step()
  //
  // The same updates, bit for bit, as zero_grad(), backward(), step(); but a
  // gradient is gone once used, so there is nothing to clip, to accumulate
  // over several backwards or to read. What it buys: a gradient is used
  // while it is still in cache and, for SGD with momentum, a linear layer's
  // weight gradient is never stored at all - the tiles of its GEMM update
  // the weight and momentum buffer from registers
  // (kernels::sgd_step_product; the benchmark MLP's step, benchmarks/README.md).
  // A parameter can step in backward for one optimizer at a time. When a
  // backward throws part way, the parameters it finished are updated and the
  // others keep partial sums in .grad, which the next backward would add in
  // (as with PyTorch's hooks): call zero_grad() after catching.
  // step_in_backward(false) goes back to step().
  void step_in_backward(bool on = true);
  bool steps_in_backward() const { return in_backward_ != nullptr; }

  // Adds a group; options it does not give come from the defaults. Its
  // parameters must be floating, contiguous leaves not already optimized.
  void add_param_group(ParamGroup group);
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }
  const std::string& name() const { return name_; }
  // The state of `param`, or nullptr before its first step.
  const ParamState* state(const Tensor& param) const;

  // The whole optimizer state (layout above). Tensors are shared, not
  // copied: save or clone them before the next step() if you keep them.
  StateDict state_dict() const;
  // Restores a state_dict() of an optimizer of this kind over the same
  // parameters (copies; dtypes follow the parameters). Everything is checked
  // before anything changes: group and parameter counts, option and buffer
  // names, shapes. Any mismatch is an Error and the optimizer is untouched.
  void load_state_dict(const StateDict& state);

 protected:
  // `defaults` lists every option the optimizer knows with its default;
  // NaN marks a required option (SGD's lr). `overrides` are the user's
  // defaults (unknown names are an Error). `buffers` names every state
  // buffer it may keep (load_state_dict accepts no other).
  Optimizer(std::string name, Options defaults, const Options& overrides, std::vector<std::string> buffers);
  // Derived constructors call this last (virtual calls work from there).
  void add_param_groups(std::vector<ParamGroup> groups);
  // Throws an Error for bad hyper-parameters (negative lr, beta >= 1, ...).
  virtual void check_options(const Options& options) const = 0;
  // Updates the parameters of one group in place (those with a gradient);
  // the base has counted state->step already and bumps versions afterwards.
  // Read the group's options once, before the loop over `params`: a lookup
  // by name costs ~20 ns, and SGD's six per parameter were about half of the
  // 0.75 µs a step of six tiny tensors took (0.36 µs read once per group).
  virtual void update(const ParamGroup& group, const std::vector<ParamUpdate>& params) = 0;
  // Under step_in_backward: updates one parameter of `group` whose gradient
  // is the product a·b (2-D, of the parameter's shape, dtype and device)
  // without forming it, and returns true; or returns false, having changed
  // nothing, to be given the gradient formed (what the base does). The base
  // has counted state.step already (and uncounts it on false).
  virtual bool update_from_product(const ParamGroup& group, const Tensor& param, ParamState& state, const Tensor& a,
                                   const Tensor& b);
  // The state buffer `name` of the parameter, made (zeros, or `fill`) when absent.
  static Tensor buffer(ParamState& state, const std::string& name, const Tensor& param, double fill = 0.0);

 private:
  class InBackward;  // the GradConsumer that step_in_backward puts on the parameters
  friend class InBackward;
  // Updates the parameters in `params` (of group g), recorded for replay
  // inside capture(): what step() does with each group.
  void update_recorded(size_t g, std::vector<ParamUpdate>& params);
  // An Error naming the optimizer and `where` unless grad has param's shape and dtype.
  void check_gradient(const Tensor& param, const Tensor& grad, const char* where) const;
  // Puts in_backward_ on the parameters of `group`, group number `index`
  // (or takes it off); the check first, that none has another optimizer's.
  void set_consumer(const ParamGroup& group, size_t index, bool on);
  void check_no_other_consumer(const ParamGroup& group) const;
  void check_group(const ParamGroup& group, const std::vector<const TensorImpl*>& already) const;
  // One group's update, as step() makes it: finds each parameter's state
  // (made at its first step), counts the step, updates, bumps versions.
  void update_group(const ParamGroup& group, std::vector<ParamUpdate>& params);
  void check_known(const Options& options, const std::string& where) const;  // every name is a default's

  std::string name_;
  Options defaults_;
  std::vector<std::string> buffer_names_;
  std::vector<ParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;  // node-based: a ParamState never moves
  std::vector<ParamUpdate> pending_;                         // step()'s list, reused: no allocation once warm
  std::unique_ptr<InBackward> in_backward_;                  // set while stepping in backward
  // Points to this optimizer until it is destroyed: a captured step's
  // replay holds a copy, and refuses to run once the optimizer is gone.
  std::shared_ptr<Optimizer*> self_ = std::make_shared<Optimizer*>(this);
};

}  // namespace nabla::optim
