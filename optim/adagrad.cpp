#include "adagrad.h"

#include "kernel_args.h"

namespace nabla::optim {
namespace {
// Every option and its default (PyTorch's).
Options option_table() {
  return {{"lr", 1e-2},   {"lr_decay", 0.0}, {"weight_decay", 0.0}, {"initial_accumulator_value", 0.0},
          {"eps", 1e-10}, {"maximize", 0.0}};
}
}  // namespace

Adagrad::Adagrad(std::vector<Tensor> params, const Options& options)
    : Adagrad(std::vector<ParamGroup>{{std::move(params)}}, options) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, const Options& defaults)
    : Optimizer("Adagrad", option_table(), defaults, {"sum"}) {
  add_param_groups(std::move(groups));
}

void Adagrad::check_options(const Options& o) const {
  NABLA_CHECK(o.at("lr") >= 0, "Adagrad", "invalid learning rate lr=", o.at("lr"), " (must be >= 0)");
  NABLA_CHECK(o.at("lr_decay") >= 0, "Adagrad", "invalid lr_decay=", o.at("lr_decay"), " (must be >= 0)");
  NABLA_CHECK(o.at("weight_decay") >= 0, "Adagrad", "invalid weight_decay=", o.at("weight_decay"), " (must be >= 0)");
  NABLA_CHECK(o.at("initial_accumulator_value") >= 0, "Adagrad",
              "invalid initial_accumulator_value=", o.at("initial_accumulator_value"), " (must be >= 0)");
  NABLA_CHECK(o.at("eps") >= 0, "Adagrad", "invalid eps=", o.at("eps"), " (must be >= 0)");
}

void Adagrad::update(const ParamGroup& group, const std::vector<ParamUpdate>& params) {
  const double initial = group.get("initial_accumulator_value");
  kernels::AdagradHyper h{group.lr(), group.get("lr_decay"), group.get("eps"), group.get("weight_decay"),
                          0,          group.flag("maximize")};
  for (const ParamUpdate& u : params) {
    Tensor sum = buffer(*u.state, "sum", u.param, initial);
    h.step = u.state->step;  // each parameter counts its own (lr decay)
    kernels::adagrad_step(detail::kview(u.param), detail::kview(u.grad), detail::kview(sum), h);
  }
}

}  // namespace nabla::optim
