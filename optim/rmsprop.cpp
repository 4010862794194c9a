#include "rmsprop.h"

#include "kernel_args.h"

namespace nabla::optim {
namespace {
// Every option and its default (PyTorch's).
Options option_table() {
  return {{"lr", 1e-2},      {"alpha", 0.99},   {"eps", 1e-8},    {"weight_decay", 0.0},
          {"momentum", 0.0}, {"centered", 0.0}, {"maximize", 0.0}};
}
}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, const Options& options)
    : RMSprop(std::vector<ParamGroup>{{std::move(params)}}, options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, const Options& defaults)
    : Optimizer("RMSprop", option_table(), defaults, {"square_avg", "grad_avg", "momentum_buffer"}) {
  add_param_groups(std::move(groups));
}

void RMSprop::check_options(const Options& o) const {
  NABLA_CHECK(o.at("lr") >= 0, "RMSprop", "invalid learning rate lr=", o.at("lr"), " (must be >= 0)");
  NABLA_CHECK(o.at("eps") >= 0, "RMSprop", "invalid eps=", o.at("eps"), " (must be >= 0)");
  NABLA_CHECK(o.at("momentum") >= 0, "RMSprop", "invalid momentum=", o.at("momentum"), " (must be >= 0)");
  NABLA_CHECK(o.at("weight_decay") >= 0, "RMSprop", "invalid weight_decay=", o.at("weight_decay"), " (must be >= 0)");
  NABLA_CHECK(o.at("alpha") >= 0, "RMSprop", "invalid alpha=", o.at("alpha"), " (must be >= 0)");
}

void RMSprop::update(const ParamGroup& group, const std::vector<ParamUpdate>& params) {
  const bool centered = group.flag("centered");
  const double momentum = group.get("momentum");
  const kernels::RmspropHyper h{group.lr(), group.get("alpha"), group.get("eps"),      group.get("weight_decay"),
                                momentum,   centered,           group.flag("maximize")};
  for (const ParamUpdate& u : params) {
    Tensor square_avg = buffer(*u.state, "square_avg", u.param);
    Tensor grad_avg = centered ? buffer(*u.state, "grad_avg", u.param) : Tensor();
    Tensor momentum_buffer = momentum > 0 ? buffer(*u.state, "momentum_buffer", u.param) : Tensor();
    kernels::rmsprop_step(detail::kview(u.param), detail::kview(u.grad), detail::kview(square_avg),
                          detail::kview_or_null(grad_avg), detail::kview_or_null(momentum_buffer), h);
  }
}

}  // namespace nabla::optim
