// Trainer: the training loop, written once (PyTorch Lightning's Trainer,
// Keras's fit), with exact resume from any step.
//
// The simple path, for models trained on loss(model(x), y):
//
//   auto model = models::create_model("mlp");
//   optim::SGD sgd(model->parameters(), {{"lr", 0.01}, {"momentum", 0.9}});
//   trainer::Trainer trainer(*model, sgd, nn::functional::cross_entropy);
//   trainer.add_metric<trainer::Accuracy>();
//   trainer.add_callback(std::make_shared<trainer::ModelCheckpoint>());
//   trainer.fit(train_loader, &val_loader, /*epochs=*/5);
//
// The custom path, for models whose step is not loss(model(x), y) (a VAE's
// two-term loss, a GAN's two optimizers, a diffusion model's noise): give
// the step as a lambda, or subclass and override training_step, as in
// Lightning. The step returns the loss; the trainer runs backward and the
// optimizer (or, when the step returns no loss, the step did it itself):
//
//   trainer.set_training_step([&](Trainer& t, const data::Batch& b) {
//     auto [recon, mu, logvar] = vae.forward3(b.input);
//     Tensor loss = bce(recon, b.input) + kl(mu, logvar);
//     return StepOutput{loss};
//   });
//
// What is logged (trainer.log(), a MetricsLog; written to files with
// TrainerOptions::log_csv / log_jsonl):
//   per step   "train/loss", "lr" (group 0's, the lr this step used), and
//              "train/<key>" for each StepOutput::logs entry
//   per epoch  "train/<metric>" for each added metric, "val/loss" and
//              "val/<metric>" after validation, "time/epoch_s"
// trainer.metrics() holds the last epoch's values by those names (and the
// epoch's mean "train/loss"), which callbacks monitor ("val/accuracy").
//
// Exact resume. save_checkpoint() writes one safetensors file with
//   model.*          parameters and buffers
//   grad.*           gradients accumulated so far (mid gradient accumulation)
//   optimizer.*      the optimizer state (moments, step counts, group lrs)
//   loader.*         the training DataLoader's position (epoch, batch, seed)
//   generator.*      the default generator and every registered one
//   state.<name>.*   what register_state() saves (a second optimizer, ...)
//   callback.<name>.* each callback's on_save (schedulers, EMA, best scores)
//   metric.<i>       the training metrics accumulated so far this epoch
//   trainer.*        counters (epoch, step, optimizer steps) and loss sums
// and, in the file's metadata, the whole metrics log and the last epoch
// metrics. load_checkpoint() before fit() restores all of it; fit() then
// continues at the next batch, and the run from there on is bit for bit the
// one that was never stopped (tests/trainer/test_trainer_resume.cpp proves
// it). Ctrl-C or SIGTERM during fit() saves such a checkpoint at the current
// step ("<checkpoint_dir>/interrupted.safetensors") and returns.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../nn/module.h"
#include "../optim/optimizer.h"
#include "../tensor/generator.h"
#include "callback.h"
#include "data/dataloader.h"
#include "logger.h"
#include "metrics.h"

namespace nabla::trainer {

// What one training or validation step produced.
struct StepOutput {
  // 0-d. In training the trainer runs loss.backward() and the optimizer;
  // leave it undefined when the step updated the model itself.
  Tensor loss;
  // Predictions and targets for the metrics (optional).
  Tensor output, target;
  // More scalars to log: "train/<key>" per step, "val/<key>" as the mean
  // over validation batches.
  std::map<std::string, double> logs;
};

using LossFn = std::function<Tensor(const Tensor& output, const Tensor& target)>;
class Trainer;
using StepFn = std::function<StepOutput(Trainer&, const data::Batch&)>;

struct TrainerOptions {
  // Sum the gradients of this many batches before each optimizer step (the
  // loss is divided by it, so the step sees their mean). The last batches
  // of an epoch step even when fewer.
  int64_t accumulate_grad_batches = 1;
  int64_t max_steps = -1;  // stop after this many batches in all (-1: no limit)
  // Ctrl-C / SIGTERM: save "<checkpoint_dir>/interrupted.safetensors" and return.
  bool handle_signals = true;
  std::string checkpoint_dir = "checkpoints";
  bool progress = true;            // the progress bar (trainer/progress.h)
  std::ostream* out = nullptr;     // where it goes (default std::cout)
  int interactive = -1;            // redraw in place: 1 yes, 0 no, -1 when stdout is a terminal
  bool detect_anomaly = false;     // name the op of the first NaN/Inf (autograd/anomaly.h)
  std::string log_csv, log_jsonl;  // the metrics log's files, rewritten at each epoch's end
  int64_t validate_every_n_epochs = 1;
  // Let backward make the optimizer's updates (optim::Optimizer::step_in_backward):
  // each parameter updated as soon as its gradient is whole, a linear
  // layer's weight gradient fused into SGD's update, never stored. The same
  // updates, bit for bit; faster for small models. Needs
  // accumulate_grad_batches = 1, and no callback may need the gradients
  // (on_before_optimizer_step then runs before backward, with none to see;
  // GradientClipping refuses it).
  bool step_in_backward = false;
};

// How fit() ended.
struct FitResult {
  int64_t epochs = 0;        // epochs completed (in all, across resumes)
  int64_t steps = 0;         // batches trained (in all)
  bool interrupted = false;  // by Ctrl-C / SIGTERM
  std::string checkpoint;    // the checkpoint written on interruption
  std::string stop_reason;   // why it stopped before `epochs` ("" when it did not)
  double seconds = 0;        // wall time of this fit() call
};

class Trainer {
 public:
  // The model and optimizer are the caller's and must outlive the trainer.
  // `loss` is needed by the default steps only.
  Trainer(nn::Module& model, optim::Optimizer& optimizer, LossFn loss = nullptr, TrainerOptions options = {});
  virtual ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // ---- the steps (override, or set lambdas) --------------------------------
  // Default: output = model(input), loss = loss_fn(output, target).
  virtual StepOutput training_step(const data::Batch& batch);
  // Default: the training step's computation (run in eval mode, no grad).
  virtual StepOutput validation_step(const data::Batch& batch);
  void set_training_step(StepFn step) { training_step_fn_ = std::move(step); }
  void set_validation_step(StepFn step) { validation_step_fn_ = std::move(step); }

  // ---- set-up -----------------------------------------------------------------
  void add_callback(std::shared_ptr<Callback> callback);
  // Adds a metric computed on training batches and on validation (one
  // instance each): add_metric<Accuracy>(), add_metric<ConfusionMatrix>(10).
  template <class M, class... Args>
  void add_metric(const Args&... args) {
    add_metric_pair(std::make_unique<M>(args...), std::make_unique<M>(args...));
  }
  // A generator whose state checkpoints save (the default one always is).
  void register_generator(const std::string& name, Generator& generator);
  // Anything else a checkpoint must hold (a GAN's second optimizer, ...).
  void register_state(const std::string& name, std::function<StateDict()> save,
                      std::function<void(const StateDict&)> load);

  // ---- running ------------------------------------------------------------------
  // Trains until `epochs` epochs are complete (counting those done before
  // a resume), max_steps, a callback's request_stop() or a stop signal.
  FitResult fit(data::DataLoader& train, data::DataLoader* val, int64_t epochs);
  // One pass over `loader` in eval mode without gradients: {"loss", and
  // each metric's values}, each also logged as prefix + name (prefix ""
  // logs nothing). The model's train/eval mode is restored afterwards.
  std::map<std::string, double> evaluate(data::DataLoader& loader, const std::string& prefix = "val/");

  // ---- checkpoints ------------------------------------------------------------------
  // Written now, atomically (a crash while writing keeps the old file).
  void save_checkpoint(const std::string& path);
  // Written when the current batch or epoch has finished and every
  // callback has run for it, so the checkpoint holds what they changed.
  void request_checkpoint(const std::string& path);
  // Restores a save_checkpoint() file into this trainer (model, optimizer,
  // callbacks... as listed above; the training loader's position is applied
  // when fit() starts). A file that is not a trainer checkpoint, or whose
  // model or optimizer do not match, is an Error naming the path.
  void load_checkpoint(const std::string& path);

  // ---- for callbacks and steps -----------------------------------------------------
  nn::Module& model() { return model_; }
  optim::Optimizer& optimizer() { return optimizer_; }
  MetricsLog& log() { return log_; }
  const MetricsLog& log() const { return log_; }
  const TrainerOptions& options() const { return options_; }
  // The epoch being trained (0-based), or the next one between epochs.
  int64_t epoch() const { return epoch_; }
  // Batches trained in all; optimizer steps in all.
  int64_t step() const { return step_; }
  int64_t optimizer_steps() const { return optimizer_steps_; }
  int64_t max_epochs() const { return max_epochs_; }
  data::DataLoader* train_loader() { return train_; }
  // The last epoch's metrics by name (see the top of this file).
  const std::map<std::string, double>& metrics() const { return epoch_metrics_; }
  // One of them, or an Error listing those there are.
  double metric(const std::string& name) const;
  int64_t accumulate_grad_batches() const { return accumulate_; }
  void set_accumulate_grad_batches(int64_t n);
  // Ends fit() after the current batch (or epoch) with this reason.
  void request_stop(const std::string& reason);
  bool stop_requested() const { return should_stop_; }
  // Every generator checkpoints save, by name ("default" first).
  std::vector<std::pair<std::string, Generator*>> generators() const;
  // The metrics added with add_metric, for training and for validation.
  const std::vector<std::unique_ptr<Metric>>& train_metrics() const { return train_metrics_; }
  const std::vector<std::unique_ptr<Metric>>& val_metrics() const { return val_metrics_; }

 private:
  void add_metric_pair(std::unique_ptr<Metric> train, std::unique_ptr<Metric> val);
  StepOutput default_step(const data::Batch& batch);
  void train_batch(const data::Batch& batch, bool last_in_epoch);
  // A batch's backward and, every accumulate_ batches, the optimizer's step;
  // or, with options_.step_in_backward, the backward that makes the updates.
  void backward_and_step(const Tensor& loss, bool last_in_epoch);
  void step_in_backward(const Tensor& loss);
  void finish_epoch(data::DataLoader* val, double epoch_seconds);
  void reset_epoch_accumulators();
  std::vector<std::pair<std::string, double>> running_metrics() const;
  std::vector<std::pair<std::string, double>> epoch_summary() const;  // the progress bar's epoch line
  void write_requested_checkpoints();
  template <class F>
  void each_callback(F&& f) {
    for (auto& cb : callbacks_) f(*cb);
  }

  nn::Module& model_;
  optim::Optimizer& optimizer_;
  LossFn loss_fn_;
  TrainerOptions options_;
  StepFn training_step_fn_, validation_step_fn_;
  std::vector<std::shared_ptr<Callback>> callbacks_;
  std::vector<std::unique_ptr<Metric>> train_metrics_, val_metrics_;
  std::vector<std::pair<std::string, Generator*>> generators_;
  struct ExtraState {
    std::string name;
    std::function<StateDict()> save;
    std::function<void(const StateDict&)> load;
  };
  std::vector<ExtraState> extra_states_;
  MetricsLog log_;

  // Position and counters (all saved in checkpoints).
  int64_t epoch_ = 0, step_ = 0, optimizer_steps_ = 0, max_epochs_ = 0;
  int64_t accumulate_ = 1, accumulated_ = 0;  // batches whose gradients wait for a step
  double loss_sum_ = 0;                       // this epoch's batch losses ...
  int64_t loss_count_ = 0;                    // ... and how many
  std::map<std::string, double> logs_sum_;    // this epoch's StepOutput::logs sums
  std::map<std::string, double> epoch_metrics_;
  std::optional<StateDict> pending_loader_state_;  // from load_checkpoint, for fit()
  std::optional<StateDict> last_loader_state_;     // where the last fit() left its loader
  bool resumed_ = false;                           // by load_checkpoint: the epoch's accumulators are restored

  data::DataLoader* train_ = nullptr;
  bool should_stop_ = false;
  std::string stop_reason_;
  std::vector<std::string> requested_checkpoints_;
};

}  // namespace nabla::trainer
