#include "ema.h"

#include <algorithm>

#include "../autograd/grad_mode.h"
#include "../tensor/creation.h"
#include "kernel_args.h"

namespace nabla::optim {
namespace {
Tensor copy_of(const Tensor& t) { return t.detach().astype(t.dtype()); }  // contiguous, no graph
}  // namespace

ModelEma::ModelEma(const nn::Module& module, double decay, bool warmup) : decay_(decay), warmup_(warmup) {
  const StateDict sd = module.state_dict();
  init(std::vector<std::pair<std::string, Tensor>>(sd.begin(), sd.end()));
}

ModelEma::ModelEma(const std::vector<Tensor>& tensors, double decay, bool warmup) : decay_(decay), warmup_(warmup) {
  std::vector<std::pair<std::string, Tensor>> named;
  for (size_t i = 0; i < tensors.size(); ++i) named.emplace_back(std::to_string(i), tensors[i]);
  init(std::move(named));
}

void ModelEma::init(std::vector<std::pair<std::string, Tensor>> named) {
  NABLA_CHECK(decay_ >= 0 && decay_ <= 1, "ModelEma", "decay must be in [0, 1], got ", decay_);
  NoGradGuard no_grad;
  for (auto& [name, t] : named) {
    NABLA_CHECK(t.defined(), "ModelEma", "tensor '", name, "' is undefined");
    names_.push_back(name);
    tracked_.push_back(t);
    shadow_.push_back(copy_of(t));
  }
}

double ModelEma::current_decay() const {
  if (!warmup_) return decay_;
  const double n = static_cast<double>(num_updates_);
  return std::min(decay_, (1 + n) / (10 + n));
}

void ModelEma::update() {
  NoGradGuard no_grad;
  const double d = current_decay();
  for (size_t i = 0; i < shadow_.size(); ++i) {
    const Tensor& t = tracked_[i];
    NABLA_CHECK(t.shape() == shadow_[i].shape() && t.dtype() == shadow_[i].dtype(), "ModelEma.update", "tensor '",
                names_[i], "' changed from ", shape_str(shadow_[i].shape()), " ", dtype_name(shadow_[i].dtype()),
                " to ", shape_str(t.shape()), " ", dtype_name(t.dtype()));
    if (is_floating(t.dtype())) {
      kernels::ema_update(detail::kview(shadow_[i]), detail::kview(t.contiguous()), d);
      shadow_[i].bump_version();
    } else {
      shadow_[i].copy_(t);  // counters are copied, not averaged
    }
  }
  num_updates_ += 1;
}

StateDict ModelEma::shadow() const {
  StateDict sd;
  for (size_t i = 0; i < shadow_.size(); ++i) sd.insert(names_[i], shadow_[i]);
  return sd;
}

void ModelEma::copy_to() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < shadow_.size(); ++i) tracked_[i].copy_(shadow_[i]);
}

void ModelEma::copy_to(nn::Module& module) const { module.load_state_dict(shadow(), /*strict=*/true); }

void ModelEma::store() {
  stored_.clear();
  for (const Tensor& t : tracked_) stored_.push_back(copy_of(t));
}

void ModelEma::restore() {
  NABLA_CHECK(stored_.size() == tracked_.size(), "ModelEma.restore", "nothing stored: call store() first");
  NoGradGuard no_grad;
  for (size_t i = 0; i < tracked_.size(); ++i) tracked_[i].copy_(stored_[i]);
  stored_.clear();
}

StateDict ModelEma::state_dict() const {
  StateDict sd;
  sd.insert("num_updates", scalar_tensor(static_cast<double>(num_updates_), kInt64));
  sd.merge(shadow(), "shadow.");
  return sd;
}

void ModelEma::load_state_dict(const StateDict& sd) {
  const char* op = "ModelEma.load_state_dict";
  const Tensor* n = sd.find("num_updates");
  NABLA_CHECK(n != nullptr && n->numel() == 1, op, "missing 'num_updates'");
  NABLA_CHECK(sd.size() == shadow_.size() + 1, op, "expected ", shadow_.size() + 1, " entries, got ", sd.size());
  for (size_t i = 0; i < shadow_.size(); ++i) {
    const Tensor* t = sd.find("shadow." + names_[i]);
    NABLA_CHECK(t != nullptr, op, "missing 'shadow.", names_[i], "'");
    NABLA_CHECK(t->shape() == shadow_[i].shape(), op, "'shadow.", names_[i], "' has shape ", shape_str(t->shape()),
                ", expected ", shape_str(shadow_[i].shape()));
  }
  NoGradGuard no_grad;
  for (size_t i = 0; i < shadow_.size(); ++i) shadow_[i].copy_(sd.at("shadow." + names_[i]));
  num_updates_ = n->item<int64_t>();
}

}  // namespace nabla::optim
