#include "sgd.h"

#include <limits>

#include "../autograd/grad_consumer.h"
#include "kernel_args.h"

namespace nabla::optim {
namespace {
// Every option and its default (PyTorch's).
Options option_table() {
  return {{"lr", std::numeric_limits<double>::quiet_NaN()},  // required: SGD has no default lr
          {"momentum", 0.0},
          {"dampening", 0.0},
          {"weight_decay", 0.0},
          {"nesterov", 0.0},
          {"maximize", 0.0}};
}
}  // namespace

SGD::SGD(std::vector<Tensor> params, const Options& options)
    : SGD(std::vector<ParamGroup>{{std::move(params)}}, options) {}

SGD::SGD(std::vector<ParamGroup> groups, const Options& defaults)
    : Optimizer("SGD", option_table(), defaults, {"momentum_buffer"}) {
  add_param_groups(std::move(groups));
}

void SGD::check_options(const Options& o) const {
  NABLA_CHECK(o.at("lr") >= 0, "SGD", "invalid learning rate lr=", o.at("lr"), " (must be >= 0)");
  NABLA_CHECK(o.at("momentum") >= 0, "SGD", "invalid momentum=", o.at("momentum"), " (must be >= 0)");
  NABLA_CHECK(o.at("weight_decay") >= 0, "SGD", "invalid weight_decay=", o.at("weight_decay"), " (must be >= 0)");
  NABLA_CHECK(o.at("nesterov") == 0 || (o.at("momentum") > 0 && o.at("dampening") == 0), "SGD",
              "nesterov momentum requires momentum > 0 and dampening 0, got momentum=", o.at("momentum"),
              ", dampening=", o.at("dampening"));
}

SGD::GroupOptions SGD::options_of(const ParamGroup& group) {
  const uint64_t pass = autograd::backward_pass();
  if (pass != 0 && pass == options_pass_ && &group == options_group_) return options_;
  options_ = {group.lr(),
              group.get("momentum"),
              group.get("dampening"),
              group.get("weight_decay"),
              group.flag("nesterov"),
              group.flag("maximize")};
  options_pass_ = pass;
  options_group_ = &group;
  return options_;
}

kernels::SgdHyper SGD::hyper(const GroupOptions& o, bool first_step) {
  return {o.lr, o.momentum, o.dampening, o.weight_decay, o.nesterov, o.maximize, first_step};
}

void SGD::update(const ParamGroup& group, const std::vector<ParamUpdate>& params) {
  const GroupOptions o = options_of(group);
  for (const ParamUpdate& u : params) {
    // The buffer is born at the first step with momentum, holding that step's gradient.
    const Tensor* held = o.momentum != 0 ? u.state->buffers.find("momentum_buffer") : nullptr;
    Tensor buf = o.momentum != 0 ? (held ? *held : buffer(*u.state, "momentum_buffer", u.param)) : Tensor();
    kernels::sgd_step(detail::kview(u.param), detail::kview(u.grad), detail::kview_or_null(buf),
                      hyper(o, o.momentum != 0 && !held));
  }
}

bool SGD::update_from_product(const ParamGroup& group, const Tensor& param, ParamState& state, const Tensor& a,
                              const Tensor& b) {
  const GroupOptions o = options_of(group);
  const Tensor* buf = o.momentum != 0 ? state.buffers.find("momentum_buffer") : nullptr;
  if (!buf) return false;  // no momentum, or its buffer's first step
  int64_t da[6], db[6];
  return kernels::sgd_step_product(detail::kview(param), nabla::detail::kview_matrix(a, da),
                                   nabla::detail::kview_matrix(b, db), detail::kview(*buf), hyper(o, false));
}

}  // namespace nabla::optim
