// Trainer::save_checkpoint / load_checkpoint: every piece of state a run
// needs to continue bit for bit, in one safetensors file (layout in trainer.h).
#include <limits>

#include <nlohmann/json.hpp>

#include "../autograd/grad_mode.h"
#include "../tensor/creation.h"
#include "../tensor/safetensors.h"
#include "trainer.h"

namespace nabla::trainer {

namespace {

constexpr const char* kFormatKey = "nabla.format";
constexpr const char* kFormat = "trainer-checkpoint-1";

Tensor int_scalar(int64_t v) { return scalar_tensor(static_cast<double>(v), kInt64); }
Tensor real_scalar(double v) { return scalar_tensor(v, kFloat64); }

int64_t get_int(const StateDict& sd, const std::string& name) { return sd.at(name).item<int64_t>(); }
double get_real(const StateDict& sd, const std::string& name) { return sd.at(name).item<double>(); }

std::vector<double> tensor_vector(const Tensor& t) {
  Tensor c = t.to(kFloat64).contiguous();
  return std::vector<double>(c.data<double>(), c.data<double>() + c.numel());
}

}  // namespace

void Trainer::save_checkpoint(const std::string& path) {
  NoGradGuard no_grad;
  StateDict sd;
  sd.merge(model_.state_dict(), "model.");
  // Gradients summed over batches that have not stepped yet (gradient
  // accumulation): without them the next step would miss those batches.
  if (accumulated_ > 0)
    for (const auto& [name, p] : model_.named_parameters())
      if (p.grad().defined()) sd.insert("grad." + name, p.grad());
  sd.merge(optimizer_.state_dict(), "optimizer.");
  if (train_ != nullptr)
    sd.merge(train_->state_dict(), "loader.");
  else if (last_loader_state_)
    sd.merge(*last_loader_state_, "loader.");
  for (const auto& [name, gen] : generators_) sd.merge(generator_state_dict(*gen), "generator." + name + ".");
  for (const auto& e : extra_states_) sd.merge(e.save(), "state." + e.name + ".");
  for (const auto& cb : callbacks_) {
    StateDict part;
    cb->on_save(*this, part);
    sd.merge(part, "callback." + cb->name() + ".");
  }
  for (size_t i = 0; i < train_metrics_.size(); ++i)
    sd.insert("metric." + std::to_string(i), from_vector(train_metrics_[i]->state()));
  sd.insert("trainer.epoch", int_scalar(epoch_));
  sd.insert("trainer.step", int_scalar(step_));
  sd.insert("trainer.optimizer_steps", int_scalar(optimizer_steps_));
  sd.insert("trainer.accumulate_grad_batches", int_scalar(accumulate_));
  sd.insert("trainer.accumulated", int_scalar(accumulated_));
  sd.insert("trainer.loss_sum", real_scalar(loss_sum_));
  sd.insert("trainer.loss_count", int_scalar(loss_count_));
  for (const auto& [key, sum] : logs_sum_) sd.insert("trainer.logs_sum." + key, real_scalar(sum));

  nlohmann::json epoch_metrics = nlohmann::json::object();
  for (const auto& [name, value] : epoch_metrics_) epoch_metrics[name] = value;
  Metadata meta;
  meta[kFormatKey] = kFormat;
  meta["trainer.log"] = log_.to_json();
  meta["trainer.metrics"] = epoch_metrics.dump();
  save_safetensors(sd, path, meta);
}

void Trainer::load_checkpoint(const std::string& path) {
  const std::string op = "Trainer::load_checkpoint";
  Metadata meta;
  StateDict sd = load_safetensors(path, &meta);
  auto format = meta.find(kFormatKey);
  NABLA_CHECK(format != meta.end() && format->second == kFormat, op, "'", path,
              "' is not a trainer checkpoint (expected metadata ", kFormatKey, "=", kFormat,
              "; a file from nn::save holds a model only: load it with nn::load)");
  const std::string where = " (checkpoint '" + path + "')";
  try {
    model_.load_state_dict(sd.with_prefix_removed("model."), /*strict=*/true);
    optimizer_.load_state_dict(sd.with_prefix_removed("optimizer."));
  } catch (const Error& e) {
    NABLA_CHECK(false, op, e.what(), where, ": is the model or optimizer the one that was saved?");
  }
  {
    NoGradGuard no_grad;
    for (const auto& [name, p] : model_.named_parameters()) {
      const Tensor* g = sd.find("grad." + name);
      p.set_grad(g ? g->to(p.device()).astype(p.dtype()) : Tensor());
    }
  }
  StateDict loader = sd.with_prefix_removed("loader.");
  if (!loader.empty()) pending_loader_state_ = loader;
  for (const auto& [name, gen] : generators_) {
    StateDict g = sd.with_prefix_removed("generator." + name + ".");
    NABLA_CHECK(!g.empty(), op, "no state for generator '", name, "'", where);
    load_generator_state(*gen, g);
  }
  for (const auto& e : extra_states_) {
    StateDict s = sd.with_prefix_removed("state." + e.name + ".");
    NABLA_CHECK(!s.empty(), op, "no state named '", e.name, "' (register_state)", where);
    e.load(s);
  }
  // A callback added after the checkpoint was written starts afresh.
  for (const auto& cb : callbacks_) {
    StateDict s = sd.with_prefix_removed("callback." + cb->name() + ".");
    if (!s.empty()) cb->on_load(*this, s);
  }
  for (size_t i = 0; i < train_metrics_.size(); ++i) {
    const Tensor* t = sd.find("metric." + std::to_string(i));
    NABLA_CHECK(t != nullptr, op, "no state for metric ", i, " (", train_metrics_[i]->name(), ")", where,
                ": add the same metrics, in the same order, as the run that saved it");
    train_metrics_[i]->set_state(tensor_vector(*t));
  }
  epoch_ = get_int(sd, "trainer.epoch");
  step_ = get_int(sd, "trainer.step");
  optimizer_steps_ = get_int(sd, "trainer.optimizer_steps");
  accumulate_ = get_int(sd, "trainer.accumulate_grad_batches");
  accumulated_ = get_int(sd, "trainer.accumulated");
  loss_sum_ = get_real(sd, "trainer.loss_sum");
  loss_count_ = get_int(sd, "trainer.loss_count");
  logs_sum_.clear();
  for (const auto& [key, t] : sd.with_prefix_removed("trainer.logs_sum.")) logs_sum_[key] = t.item<double>();

  auto log = meta.find("trainer.log");
  if (log != meta.end()) log_.load_json(log->second);
  epoch_metrics_.clear();
  auto metrics = meta.find("trainer.metrics");
  if (metrics != meta.end()) {
    const nlohmann::json saved = nlohmann::json::parse(metrics->second);
    for (const auto& [name, value] : saved.items())  // NaN was written as null
      epoch_metrics_[name] = value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
  }
  resumed_ = true;
}

}  // namespace nabla::trainer
