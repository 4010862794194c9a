#include "adam.h"

#include "kernel_args.h"

namespace nabla::optim {
namespace {
// Every option and its default (PyTorch's).
Options option_table(double weight_decay) {
  return {{"lr", 1e-3},     {"beta1", 0.9},   {"beta2", 0.999}, {"eps", 1e-8}, {"weight_decay", weight_decay},
          {"amsgrad", 0.0}, {"maximize", 0.0}};
}
}  // namespace

Adam::Adam(std::vector<Tensor> params, const Options& options)
    : Adam(std::vector<ParamGroup>{{std::move(params)}}, options) {}
Adam::Adam(std::vector<ParamGroup> groups, const Options& defaults)
    : Adam("Adam", false, std::move(groups), defaults) {}

Adam::Adam(const char* name, bool decoupled_weight_decay, std::vector<ParamGroup> groups, const Options& defaults)
    : Optimizer(name, option_table(decoupled_weight_decay ? 1e-2 : 0.0), defaults,
                {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
      decoupled_weight_decay_(decoupled_weight_decay) {
  add_param_groups(std::move(groups));
}

AdamW::AdamW(std::vector<Tensor> params, const Options& options)
    : AdamW(std::vector<ParamGroup>{{std::move(params)}}, options) {}
AdamW::AdamW(std::vector<ParamGroup> groups, const Options& defaults)
    : Adam("AdamW", true, std::move(groups), defaults) {}

void Adam::check_options(const Options& o) const {
  const char* op = name().c_str();
  NABLA_CHECK(o.at("lr") >= 0, op, "invalid learning rate lr=", o.at("lr"), " (must be >= 0)");
  NABLA_CHECK(o.at("eps") >= 0, op, "invalid eps=", o.at("eps"), " (must be >= 0)");
  NABLA_CHECK(o.at("beta1") >= 0 && o.at("beta1") < 1, op, "invalid beta1=", o.at("beta1"), " (must be in [0, 1))");
  NABLA_CHECK(o.at("beta2") >= 0 && o.at("beta2") < 1, op, "invalid beta2=", o.at("beta2"), " (must be in [0, 1))");
  NABLA_CHECK(o.at("weight_decay") >= 0, op, "invalid weight_decay=", o.at("weight_decay"), " (must be >= 0)");
}

void Adam::update(const ParamGroup& group, const std::vector<ParamUpdate>& params) {
  const bool amsgrad = group.flag("amsgrad");
  kernels::AdamHyper h{group.lr(),       group.get("beta1"),        group.get("beta2"),
                       group.get("eps"), group.get("weight_decay"), 0,
                       amsgrad,          decoupled_weight_decay_,   group.flag("maximize")};
  for (const ParamUpdate& u : params) {
    ParamState& state = *u.state;
    Tensor exp_avg = buffer(state, "exp_avg", u.param), exp_avg_sq = buffer(state, "exp_avg_sq", u.param);
    Tensor max_exp_avg_sq = amsgrad ? buffer(state, "max_exp_avg_sq", u.param) : Tensor();
    h.step = state.step;  // each parameter counts its own (bias correction)
    kernels::adam_step(detail::kview(u.param), detail::kview(u.grad), detail::kview(exp_avg), detail::kview(exp_avg_sq),
                       detail::kview_or_null(max_exp_avg_sq), h);
  }
}

}  // namespace nabla::optim
