#include "trainer.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <iostream>
#include <limits>

#include "../autograd/anomaly.h"
#include "../autograd/grad_mode.h"
#include "../autograd/ops/arithmetic.h"
#include "progress.h"
#include "stop_signal.h"

namespace nabla::trainer {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The number of examples in a batch: its first axis (1 for a 0-d tensor).
int64_t batch_size_of(const data::Batch& batch, const StepOutput& out) {
  const Tensor& t = out.output.defined() ? out.output : batch.input;
  return t.defined() && t.ndim() > 0 ? t.shape()[0] : 1;
}

double loss_value(const Tensor& loss, const char* step) {
  NABLA_CHECK(loss.numel() == 1, step, "the loss must hold one value, got shape ", loss.shape());
  return loss.detach().to(Device::cpu()).astype(kFloat64).item<double>();
}

}  // namespace

Trainer::Trainer(nn::Module& model, optim::Optimizer& optimizer, LossFn loss, TrainerOptions options)
    : model_(model),
      optimizer_(optimizer),
      loss_fn_(std::move(loss)),
      options_(std::move(options)),
      log_(options_.log_csv, options_.log_jsonl) {
  set_accumulate_grad_batches(options_.accumulate_grad_batches);
  generators_.emplace_back("default", &default_generator());
}

Trainer::~Trainer() = default;

// ---- steps ------------------------------------------------------------------------

StepOutput Trainer::default_step(const data::Batch& batch) {
  NABLA_CHECK(loss_fn_ != nullptr, "Trainer",
              "the default step needs a loss function: pass one to the "
              "constructor, or set_training_step / set_validation_step");
  Tensor output = model_(batch.input);
  return StepOutput{loss_fn_(output, batch.target), output, batch.target, {}};
}

StepOutput Trainer::training_step(const data::Batch& batch) {
  return training_step_fn_ ? training_step_fn_(*this, batch) : default_step(batch);
}

StepOutput Trainer::validation_step(const data::Batch& batch) {
  if (validation_step_fn_) return validation_step_fn_(*this, batch);
  return training_step_fn_ ? training_step_fn_(*this, batch) : default_step(batch);
}

// ---- set-up -----------------------------------------------------------------------

void Trainer::add_callback(std::shared_ptr<Callback> callback) {
  NABLA_CHECK(callback != nullptr, "Trainer::add_callback", "the callback is null");
  for (const auto& cb : callbacks_)
    NABLA_CHECK(cb->name() != callback->name(), "Trainer::add_callback", "a callback named '", callback->name(),
                "' was added already (names key their checkpoint state; give each a distinct name)");
  callbacks_.push_back(std::move(callback));
}

void Trainer::add_metric_pair(std::unique_ptr<Metric> train, std::unique_ptr<Metric> val) {
  train_metrics_.push_back(std::move(train));
  val_metrics_.push_back(std::move(val));
}

void Trainer::register_generator(const std::string& name, Generator& generator) {
  for (const auto& [n, g] : generators_)
    NABLA_CHECK(n != name, "Trainer::register_generator", "a generator named '", name, "' is registered already");
  generators_.emplace_back(name, &generator);
}

std::vector<std::pair<std::string, Generator*>> Trainer::generators() const { return generators_; }

void Trainer::register_state(const std::string& name, std::function<StateDict()> save,
                             std::function<void(const StateDict&)> load) {
  NABLA_CHECK(save && load, "Trainer::register_state", "'", name, "' needs both a save and a load function");
  for (const auto& e : extra_states_)
    NABLA_CHECK(e.name != name, "Trainer::register_state", "a state named '", name, "' is registered already");
  extra_states_.push_back({name, std::move(save), std::move(load)});
}

void Trainer::set_accumulate_grad_batches(int64_t n) {
  NABLA_CHECK(n >= 1, "Trainer", "accumulate_grad_batches must be >= 1, got ", n);
  accumulate_ = n;
}

void Trainer::request_stop(const std::string& reason) {
  should_stop_ = true;
  if (stop_reason_.empty()) stop_reason_ = reason;
}

double Trainer::metric(const std::string& name) const {
  auto it = epoch_metrics_.find(name);
  if (it != epoch_metrics_.end()) return it->second;
  std::string known;
  for (const auto& [n, v] : epoch_metrics_) known += (known.empty() ? "" : ", ") + n;
  NABLA_CHECK(false, "Trainer::metric", "no metric named '", name,
              "' (the last epoch logged: ", known.empty() ? "nothing yet" : known, ")");
  return 0;
}

void Trainer::request_checkpoint(const std::string& path) {
  for (const auto& p : requested_checkpoints_)
    if (p == path) return;
  requested_checkpoints_.push_back(path);
}

void Trainer::write_requested_checkpoints() {
  std::vector<std::string> paths;
  paths.swap(requested_checkpoints_);
  for (const auto& path : paths) save_checkpoint(path);
}

// ---- the loop ---------------------------------------------------------------------

void Trainer::reset_epoch_accumulators() {
  loss_sum_ = 0;
  loss_count_ = 0;
  logs_sum_.clear();
  for (auto& m : train_metrics_) m->reset();
}

std::vector<std::pair<std::string, double>> Trainer::running_metrics() const {
  std::vector<std::pair<std::string, double>> out;
  const double n = static_cast<double>(loss_count_);
  if (loss_count_ > 0 && !std::isnan(loss_sum_)) out.emplace_back("loss", loss_sum_ / n);
  for (const auto& [key, sum] : logs_sum_) out.emplace_back(key, sum / n);
  for (const auto& m : train_metrics_) out.emplace_back(m->name(), m->compute());
  return out;
}

void Trainer::backward_and_step(const Tensor& loss, bool last_in_epoch) {
  // Summed over accumulated batches, the gradient is their mean.
  (accumulate_ > 1 ? loss / static_cast<double>(accumulate_) : loss).backward();
  ++accumulated_;
  if (accumulated_ >= accumulate_ || last_in_epoch) {
    each_callback([&](Callback& cb) { cb.on_before_optimizer_step(*this); });
    optimizer_.step();
    optimizer_.zero_grad();
    ++optimizer_steps_;
    accumulated_ = 0;
    each_callback([&](Callback& cb) { cb.on_after_optimizer_step(*this); });
  }
}

void Trainer::step_in_backward(const Tensor& loss) {
  NABLA_CHECK(accumulate_ == 1, "Trainer",
              "step_in_backward updates at every backward: it needs "
              "accumulate_grad_batches = 1, got ",
              accumulate_);
  each_callback([&](Callback& cb) { cb.on_before_optimizer_step(*this); });
  loss.backward();  // the updates too: fit() set the optimizer stepping in backward
  ++optimizer_steps_;
  each_callback([&](Callback& cb) { cb.on_after_optimizer_step(*this); });
}

void Trainer::train_batch(const data::Batch& batch, bool last_in_epoch) {
  each_callback([&](Callback& cb) { cb.on_batch_start(*this, batch); });
  const auto& groups = optimizer_.param_groups();
  const double lr = groups.empty() ? std::numeric_limits<double>::quiet_NaN() : groups[0].lr();

  StepOutput out = training_step(batch);
  ++step_;
  if (out.loss.defined()) {
    const double value = loss_value(out.loss, "Trainer::training_step");
    if (options_.step_in_backward)
      step_in_backward(out.loss);
    else
      backward_and_step(out.loss, last_in_epoch);
    log_.log("train/loss", value, step_, epoch_);
    loss_sum_ += value;
  }
  ++loss_count_;

  log_.log("lr", lr, step_, epoch_);
  for (const auto& [key, value] : out.logs) {
    log_.log("train/" + key, value, step_, epoch_);
    logs_sum_[key] += value;
  }
  if (out.output.defined() && out.target.defined()) {
    NoGradGuard no_grad;
    for (auto& m : train_metrics_) m->update(out.output.detach(), out.target);
  }
  each_callback([&](Callback& cb) { cb.on_batch_end(*this, batch, out); });
  write_requested_checkpoints();
}

std::map<std::string, double> Trainer::evaluate(data::DataLoader& loader, const std::string& prefix) {
  const bool was_training = model_.is_training();
  model_.eval();
  NoGradGuard no_grad;
  for (auto& m : val_metrics_) m->reset();
  double loss_sum = 0;
  int64_t examples = 0, batches = 0;
  std::map<std::string, double> logs_sum;
  loader.start_epoch(0);  // the same batches every time
  data::Batch batch;
  while (loader.next(batch)) {
    StepOutput out = validation_step(batch);
    const int64_t n = batch_size_of(batch, out);
    // Batch means weighted by batch size: the mean over the whole set even
    // when the last batch is smaller.
    if (out.loss.defined()) loss_sum += loss_value(out.loss, "Trainer::validation_step") * static_cast<double>(n);
    examples += n;
    ++batches;
    for (const auto& [key, value] : out.logs) logs_sum[key] += value;
    if (out.output.defined() && out.target.defined())
      for (auto& m : val_metrics_) m->update(out.output, out.target);
  }
  model_.train(was_training);

  std::map<std::string, double> result;
  if (examples > 0) result["loss"] = loss_sum / static_cast<double>(examples);
  for (const auto& [key, sum] : logs_sum) result[key] = sum / static_cast<double>(batches);
  for (const auto& m : val_metrics_)
    for (const auto& [name, value] : m->compute_all()) result[name] = value;
  if (!prefix.empty()) log_.log(result, step_, epoch_, prefix);
  return result;
}

std::vector<std::pair<std::string, double>> Trainer::epoch_summary() const {
  // The loss and each metric's main value (compute_all can be long).
  std::vector<std::pair<std::string, double>> shown;
  for (const char* split : {"train/", "val/"}) {
    std::vector<std::string> names = {std::string(split) + "loss"};
    for (const auto& m : train_metrics_) names.push_back(split + m->name());
    for (const auto& name : names) {
      auto it = epoch_metrics_.find(name);
      if (it != epoch_metrics_.end()) shown.emplace_back(name, it->second);
    }
  }
  return shown;
}

void Trainer::finish_epoch(data::DataLoader* val, double epoch_seconds) {
  epoch_metrics_.clear();
  if (loss_count_ > 0) epoch_metrics_["train/loss"] = loss_sum_ / static_cast<double>(loss_count_);
  std::map<std::string, double> train_values;
  for (const auto& m : train_metrics_)
    for (const auto& [name, value] : m->compute_all()) train_values[name] = value;
  log_.log(train_values, step_, epoch_, "train/");
  log_.log("time/epoch_s", epoch_seconds, step_, epoch_);
  for (const auto& [name, value] : train_values) epoch_metrics_["train/" + name] = value;
  epoch_metrics_["time/epoch_s"] = epoch_seconds;

  const int64_t every = options_.validate_every_n_epochs;
  if (val != nullptr && every > 0 && (epoch_ + 1) % every == 0) {
    each_callback([&](Callback& cb) { cb.on_validation_start(*this); });
    std::map<std::string, double> v;
    for (const auto& [name, value] : evaluate(*val, "val/")) v["val/" + name] = value;
    epoch_metrics_.insert(v.begin(), v.end());
    each_callback([&](Callback& cb) { cb.on_validation_end(*this, v); });
  }
  each_callback([&](Callback& cb) { cb.on_epoch_end(*this); });
  ++epoch_;
  write_requested_checkpoints();  // they resume at the start of the next epoch
  log_.flush();
}

FitResult Trainer::fit(data::DataLoader& train, data::DataLoader* val, int64_t epochs) {
  NABLA_CHECK(epochs >= 0, "Trainer::fit", "epochs must be >= 0, got ", epochs);
  NABLA_CHECK(&train != val, "Trainer::fit",
              "the training and validation loaders must be different objects "
              "(validation restarts its loader)");
  const auto fit_start = Clock::now();
  train_ = &train;
  max_epochs_ = epochs;
  should_stop_ = false;
  stop_reason_.clear();
  if (pending_loader_state_) {  // load_checkpoint: continue where it stopped
    train.load_state_dict(*pending_loader_state_);
    pending_loader_state_.reset();
  } else {
    resumed_ = false;
  }
  epoch_ = train.epoch();

  std::optional<StopSignalGuard> signals;
  if (options_.handle_signals) signals.emplace();
  std::optional<autograd::DetectAnomalyGuard> anomaly;
  if (options_.detect_anomaly) anomaly.emplace();
  std::ostream& out = options_.out ? *options_.out : std::cout;
  const bool interactive = options_.interactive < 0 ? ProgressBar::stdout_is_terminal() : options_.interactive != 0;
  std::optional<ProgressBar> bar;
  if (options_.progress) bar.emplace(out, interactive);

  // Stepping in backward for this fit() only: the optimizer is the caller's.
  struct InBackward {
    optim::Optimizer* optimizer = nullptr;
    ~InBackward() {
      if (optimizer) optimizer->step_in_backward(false);
    }
  } in_backward;
  if (options_.step_in_backward && !optimizer_.steps_in_backward()) {
    optimizer_.step_in_backward(true);
    in_backward.optimizer = &optimizer_;
  }

  FitResult result;
  model_.train();
  each_callback([&](Callback& cb) { cb.on_fit_start(*this); });
  const int64_t num_batches = train.num_batches();
  while (epoch_ < epochs && !should_stop_) {
    const auto epoch_start = Clock::now();
    if (train.batch_index() == 0 || !resumed_) {
      if (train.batch_index() == 0) reset_epoch_accumulators();
      each_callback([&](Callback& cb) { cb.on_epoch_start(*this); });
    }
    resumed_ = false;
    if (bar) bar->start_epoch(epoch_ + 1, epochs, num_batches, train.batch_index());

    bool epoch_finished = false;
    data::Batch batch;
    while (!should_stop_) {
      if (!train.next(batch)) {
        epoch_finished = true;
        break;
      }
      train_batch(batch, train.batch_index() == num_batches);
      if (bar) {
        const int64_t done = train.batch_index();
        bar->update(done, bar->will_draw(done) ? running_metrics() : ProgressBar::Metrics{});
      }
      if (nabla::trainer::stop_requested()) break;
      if (options_.max_steps >= 0 && step_ >= options_.max_steps) request_stop("max_steps reached");
    }
    if (nabla::trainer::stop_requested()) break;
    if (!epoch_finished) break;
    finish_epoch(val, seconds_since(epoch_start));
    if (bar) bar->end_epoch(epoch_summary());
    if (nabla::trainer::stop_requested()) break;
  }

  if (nabla::trainer::stop_requested()) {
    // Ctrl-C: the loop stopped after a whole batch (or epoch); keep it all.
    const int signal = stop_signal();
    clear_stop_request();
    result.interrupted = true;
    result.checkpoint = options_.checkpoint_dir + "/interrupted.safetensors";
    save_checkpoint(result.checkpoint);
    request_stop(std::string(signal == SIGINT ? "SIGINT" : "SIGTERM") + " received");
    if (bar) out << "\n";
  }
  each_callback([&](Callback& cb) { cb.on_fit_end(*this); });
  log_.flush();
  result.epochs = epoch_;
  result.steps = step_;
  result.stop_reason = stop_reason_;
  result.seconds = seconds_since(fit_start);
  last_loader_state_ = train.state_dict();  // for save_checkpoint() after fit()
  train_ = nullptr;
  return result;
}

}  // namespace nabla::trainer
