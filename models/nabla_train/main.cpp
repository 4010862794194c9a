// nabla-train: trains a model from the zoo on (Fashion-)MNIST, end to end.
//
//   nabla-train                                   # the MLP, 5 epochs, Fashion-MNIST
//   nabla-train --model lenet5 --epochs 10 --optimizer adam
//   nabla-train --resume runs/mlp-fashion-mnist/checkpoints/interrupted.safetensors
//
// The whole program is the library's pieces in order: data (IDX files, a
// held-out validation split, transforms, loaders), a zoo model, an
// optimizer, the Trainer with its callbacks, then a test evaluation, the
// HTML report and the final model. Ctrl-C saves a checkpoint at the current
// step and exits with status 130; --resume continues bit for bit.
#include <nabla/nabla.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "options.h"

using namespace nabla;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kFashionClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// The command line lives in checkpoints as one int64 tensor of characters
// (a checkpoint holds tensors), so --resume alone restores the run's options.
Tensor encode_args(const std::vector<std::string>& args) {
  std::string text;
  for (const auto& a : args) text += a + '\n';
  return from_vector(std::vector<int64_t>(text.begin(), text.end()));
}

std::vector<std::string> decode_args(const Tensor& t) {
  std::vector<std::string> args(1);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const char c = static_cast<char>(t.data<int64_t>()[i]);
    if (c == '\n')
      args.emplace_back();
    else
      args.back() += c;
  }
  args.pop_back();  // after the last '\n'
  return args;
}

// The arguments without --resume (a resumed run's own checkpoint path is not an option of the run).
std::vector<std::string> run_args(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--resume") {
      ++i;
      continue;
    }
    if (args[i].rfind("--resume=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int run(const std::vector<std::string>& argv) {
  nabla_train::Options o;
  nabla_train::parse(argv, o);  // first, to find --help and --resume
  if (o.help) {
    std::cout << nabla_train::help_text();
    return 0;
  }
  std::vector<std::string> args = run_args(argv);
  if (!o.resume.empty()) {
    // The saved run's options first, then anything given again on top.
    StateDict saved = load_safetensors(o.resume);
    const Tensor* packed = saved.find("state.cli.args");
    NABLA_CHECK(packed != nullptr, "nabla-train", "'", o.resume, "' was not written by nabla-train (no saved options)");
    std::vector<std::string> merged = decode_args(*packed);
    merged.insert(merged.end(), args.begin(), args.end());
    args = merged;
    const std::string resume = o.resume;
    o = nabla_train::Options();
    nabla_train::parse(args, o);
    o.resume = resume;
  }
  if (o.data_dir.empty()) o.data_dir = "/usr/share/datasets/" + o.dataset;
  if (o.out.empty()) o.out = "runs/" + o.model + "-" + o.dataset;
  if (o.lr < 0) o.lr = o.optimizer == "sgd" ? 0.01 : 1e-3;
  if (o.threads > 0) set_num_threads(static_cast<int>(o.threads));
  manual_seed(o.seed);
  fs::create_directories(o.out);

  // ---- data: train / validation split, normalised with the training statistics
  data::MnistSplit train_split = data::load_mnist(o.data_dir, true);
  data::MnistSplit test_split = data::load_mnist(o.data_dir, false);
  int64_t n = train_split.images.size(0);
  NABLA_CHECK(o.val_size < n, "nabla-train", "--val-size ", o.val_size,
              " leaves no training examples (the training "
              "set has ",
              n, ")");
  Tensor images = train_split.images.unsqueeze(1), labels = train_split.labels;
  Tensor train_x = images.narrow(0, 0, n - o.val_size), train_y = labels.narrow(0, 0, n - o.val_size);
  Tensor val_x = images.narrow(0, n - o.val_size, o.val_size), val_y = labels.narrow(0, n - o.val_size, o.val_size);
  if (o.limit > 0 && o.limit < train_x.size(0)) {
    train_x = train_x.narrow(0, 0, o.limit);
    train_y = train_y.narrow(0, 0, o.limit);
  }
  const double mean = train_x.mean().item<float>();
  const double stdev = std::sqrt(((train_x - mean) * (train_x - mean)).mean().item<float>());
  auto normalize = [&](const Tensor& x) { return ((x - mean) / stdev).contiguous(); };
  data::Transform augment = nullptr;
  if (o.augment) augment = data::Compose({data::RandomCrop(28, 2), data::RandomHorizontalFlip()});
  auto train_set = std::make_shared<data::TensorDataset>(normalize(train_x), train_y.contiguous(), augment);
  auto val_set = std::make_shared<data::TensorDataset>(normalize(val_x), val_y.contiguous());
  auto test_set =
      std::make_shared<data::TensorDataset>(normalize(test_split.images.unsqueeze(1)), test_split.labels.contiguous());
  data::DataLoaderOptions lo;
  lo.batch_size = o.batch_size;
  lo.shuffle = true;
  lo.seed = o.seed;
  data::DataLoader train_loader(train_set, lo);
  data::DataLoaderOptions eval_lo;
  eval_lo.batch_size = 1000;
  data::DataLoader val_loader(val_set, eval_lo), test_loader(test_set, eval_lo);

  // ---- model, optimizer, trainer
  std::shared_ptr<nn::Module> model = models::create_model(o.model, 1, 10);
  std::unique_ptr<optim::Optimizer> opt;
  if (o.optimizer == "sgd")
    opt = std::make_unique<optim::SGD>(
        model->parameters(), optim::Options{{"lr", o.lr}, {"momentum", o.momentum}, {"weight_decay", o.weight_decay}});
  else if (o.optimizer == "adam")
    opt = std::make_unique<optim::Adam>(model->parameters(),
                                        optim::Options{{"lr", o.lr}, {"weight_decay", o.weight_decay}});
  else
    opt = std::make_unique<optim::AdamW>(model->parameters(),
                                         optim::Options{{"lr", o.lr}, {"weight_decay", o.weight_decay}});

  trainer::TrainerOptions to;
  to.accumulate_grad_batches = o.accumulate;
  // The updates made inside backward: the same bits, faster (optim/optimizer.h);
  // clipping and accumulation need the gradients kept until the step.
  to.step_in_backward = o.accumulate == 1 && o.clip <= 0;
  to.checkpoint_dir = o.out + "/checkpoints";
  to.progress = true;
  to.interactive = o.progress ? -1 : 0;
  to.log_csv = o.out + "/metrics.csv";
  to.log_jsonl = o.out + "/metrics.jsonl";
  trainer::Trainer trainer(
      *model, *opt, [](const Tensor& out, const Tensor& y) { return nn::functional::cross_entropy(out, y); }, to);
  trainer.add_metric<trainer::Accuracy>();
  trainer.add_metric<trainer::ConfusionMatrix>(10);  // precision, recall, F1; the report's heat map
  trainer.register_state(
      "cli",
      [&] {
        StateDict s;
        s.insert("args", encode_args(run_args(args)));
        return s;
      },
      [](const StateDict&) {});

  if (o.find_lr && o.resume.empty()) {
    trainer::LRFinderResult r = trainer::find_lr(trainer, train_loader, {1e-6, 10.0, 200});
    std::cout << "lr range test: suggested lr " << r.suggestion << " (was " << o.lr << ")\n";
    o.lr = r.suggestion;
    for (auto& g : opt->param_groups()) g.set_lr(o.lr);
  }
  // Schedulers read the lr at construction, so after the range test.
  const int64_t steps_per_epoch = (train_loader.num_batches() + o.accumulate - 1) / o.accumulate;
  std::unique_ptr<optim::LRScheduler> schedule;
  if (o.schedule == "cosine")
    schedule = std::make_unique<optim::CosineAnnealingLR>(*opt, o.epochs * steps_per_epoch);
  else if (o.schedule == "onecycle")
    schedule = std::make_unique<optim::OneCycleLR>(*opt, std::vector<double>{o.lr}, o.epochs * steps_per_epoch);
  if (schedule)
    trainer.add_callback(std::make_shared<trainer::LRSchedulerCallback>(*schedule, trainer::Interval::Step));
  trainer::ModelCheckpointOptions mc;
  mc.dir = o.out + "/checkpoints";
  mc.monitor = "val/accuracy";
  mc.mode = "max";
  auto checkpoints = std::make_shared<trainer::ModelCheckpoint>(mc);
  trainer.add_callback(checkpoints);
  std::shared_ptr<trainer::EmaCallback> ema;
  if (o.ema > 0) trainer.add_callback(ema = std::make_shared<trainer::EmaCallback>(o.ema, /*warmup=*/true));
  if (o.clip > 0) trainer.add_callback(std::make_shared<trainer::GradientClipping>(o.clip));
  if (o.patience > 0) trainer.add_callback(std::make_shared<trainer::EarlyStopping>("val/loss", "min", o.patience));

  if (!o.resume.empty()) {
    trainer.load_checkpoint(o.resume);
    std::cout << "resuming " << o.resume << " at epoch " << trainer.epoch() + 1 << ", step " << trainer.step() << "\n";
  }
  std::cout << "nabla-train: " << o.model << " (" << model->num_parameters() << " parameters) on " << o.dataset << ": "
            << train_set->size() << " training, " << val_set->size() << " validation, " << test_set->size()
            << " test images; " << o.optimizer << " lr " << o.lr << ", batch " << o.batch_size << ", "
            << get_num_threads() << " thread(s)\n";

  // ---- train
  trainer::FitResult fit = trainer.fit(train_loader, &val_loader, o.epochs);
  if (fit.interrupted) {
    std::cout << "interrupted at epoch " << trainer.epoch() + 1 << ", step " << fit.steps << "; checkpoint saved.\n"
              << "continue with: nabla-train --resume " << fit.checkpoint << "\n";
    return 130;  // the shell's convention for "stopped by SIGINT"
  }
  if (!fit.stop_reason.empty()) std::cout << "stopped: " << fit.stop_reason << "\n";

  // ---- test, report, final model
  if (ema) ema->ema().copy_to();  // test what validation measured
  std::map<std::string, double> test = trainer.evaluate(test_loader, "test/");
  const auto& confusion = dynamic_cast<const trainer::ConfusionMatrix&>(*trainer.val_metrics()[1]);  // of the test set
  trainer.log().flush();
  nn::save(*model, o.out + "/model.safetensors");

  trainer::ReportConfig rc;
  rc.title = "nabla-train: " + o.model + " on " + o.dataset;
  rc.run_config = {{"model", o.model + " (" + std::to_string(model->num_parameters()) + " parameters)"},
                   {"dataset", o.dataset + " (" + o.data_dir + ")"},
                   {"examples", std::to_string(train_set->size()) + " train / " + std::to_string(val_set->size()) +
                                    " validation / " + std::to_string(test_set->size()) + " test"},
                   {"optimizer", o.optimizer + ", lr " + fixed(o.lr, 6) + ", weight decay " + fixed(o.weight_decay, 6) +
                                     (o.optimizer == "sgd" ? ", momentum " + fixed(o.momentum, 3) : "")},
                   {"schedule", o.schedule},
                   {"batch size", std::to_string(o.batch_size) + " x " + std::to_string(o.accumulate)},
                   {"epochs", std::to_string(fit.epochs)},
                   {"seed", std::to_string(o.seed)},
                   {"threads", std::to_string(get_num_threads())},
                   {"test accuracy", fixed(100 * test.at("accuracy"), 2) + "%"},
                   {"test loss", fixed(test.at("loss"), 4)}};
  rc.confusion_matrix = confusion.matrix();
  if (o.dataset == "fashion-mnist") rc.class_names = kFashionClasses;
  const std::string report = o.out + "/report.html";
  trainer::write_html_report(report, trainer.log(), rc);

  std::vector<double> epoch_times;
  for (const auto& [epoch, s] : trainer.log().epoch_history("time/epoch_s")) epoch_times.push_back(s);
  std::cout << "\ntest accuracy " << fixed(100 * test.at("accuracy"), 2) << "% (loss " << fixed(test.at("loss"), 4)
            << ") after " << fit.epochs << " epochs; median epoch " << fixed(median(epoch_times), 2) << " s\n"
            << "report:      " << report << "\n"
            << "checkpoints: " << checkpoints->last_path() << " (best val accuracy "
            << fixed(100 * checkpoints->best_score(), 2) << "% at epoch " << checkpoints->best_epoch() + 1 << ": "
            << checkpoints->best_path() << ")\n"
            << "model:       " << o.out << "/model.safetensors\n"
            << "logs:        " << to.log_csv << ", " << to.log_jsonl << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::cerr << "nabla-train: error: " << e.what() << " (see nabla-train --help)\n";
  } catch (const std::exception& e) {
    std::cerr << "nabla-train: error: " << e.what() << "\n";
  }
  return 2;
}
