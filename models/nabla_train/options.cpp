#include "options.h"

#include <functional>
#include <sstream>
#include <stdexcept>

#include <nabla/models/zoo.h>

namespace nabla_train {

namespace {

struct Flag {
  std::string name, value_name, help;
  // Reads the value (empty for a switch) into the options.
  std::function<void(const std::string&, Options&)> set;
};

int64_t to_int(const std::string& flag, const std::string& v, int64_t min) {
  size_t used = 0;
  int64_t x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty()) throw std::invalid_argument(flag + " expects an integer, got '" + v + "'");
  if (x < min) throw std::invalid_argument(flag + " must be >= " + std::to_string(min) + ", got " + v);
  return x;
}

double to_double(const std::string& flag, const std::string& v, double min) {
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty()) throw std::invalid_argument(flag + " expects a number, got '" + v + "'");
  if (!(x >= min)) throw std::invalid_argument(flag + " must be >= " + std::to_string(min) + ", got " + v);
  return x;
}

std::string one_of(const std::string& flag, const std::string& v, const std::vector<std::string>& choices) {
  std::string list;
  for (const auto& c : choices) {
    if (c == v) return v;
    list += (list.empty() ? "" : ", ") + c;
  }
  throw std::invalid_argument(flag + " must be one of " + list + "; got '" + v + "'");
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& m : nabla::models::list_models()) names.push_back(m.name);
  return names;
}

const std::vector<Flag>& flags() {
  static const std::vector<Flag> table = {
      {"--model", "NAME", "model from the zoo (default mlp; see the list below)",
       [](const std::string& v, Options& o) { o.model = one_of("--model", v, model_names()); }},
      {"--dataset", "NAME", "fashion-mnist (default) or mnist: IDX files, gzip or not",
       [](const std::string& v, Options& o) {
         o.dataset = one_of("--dataset", v, {"fashion-mnist", "mnist"});
       }},
      {"--data-dir", "DIR", "where the dataset's IDX files are (default /usr/share/datasets/<dataset>)",
       [](const std::string& v, Options& o) { o.data_dir = v; }},
      {"--epochs", "N", "epochs to train, in all (a resumed run continues up to N; default 5)",
       [](const std::string& v, Options& o) { o.epochs = to_int("--epochs", v, 1); }},
      {"--batch-size", "N", "examples per batch (default 32)",
       [](const std::string& v, Options& o) { o.batch_size = to_int("--batch-size", v, 1); }},
      {"--optimizer", "NAME", "sgd (default, momentum 0.9), adam or adamw",
       [](const std::string& v, Options& o) {
         o.optimizer = one_of("--optimizer", v, {"sgd", "adam", "adamw"});
       }},
      {"--lr", "X", "learning rate (default 0.01 for sgd, 0.001 for adam/adamw)",
       [](const std::string& v, Options& o) { o.lr = to_double("--lr", v, 0); }},
      {"--momentum", "X", "SGD momentum (default 0.9)",
       [](const std::string& v, Options& o) { o.momentum = to_double("--momentum", v, 0); }},
      {"--weight-decay", "X", "weight decay (default 0)",
       [](const std::string& v, Options& o) { o.weight_decay = to_double("--weight-decay", v, 0); }},
      {"--schedule", "NAME", "lr schedule: none (default), cosine (per step, to 0) or onecycle",
       [](const std::string& v, Options& o) {
         o.schedule = one_of("--schedule", v, {"none", "cosine", "onecycle"});
       }},
      {"--val-size", "N", "training examples held out for validation (default 5000)",
       [](const std::string& v, Options& o) { o.val_size = to_int("--val-size", v, 1); }},
      {"--limit", "N", "train on the first N examples only, for a quick look (default: all)",
       [](const std::string& v, Options& o) { o.limit = to_int("--limit", v, 1); }},
      {"--seed", "N", "seed of the weights, shuffling and dropout (default 0)",
       [](const std::string& v, Options& o) { o.seed = static_cast<uint64_t>(to_int("--seed", v, 0)); }},
      {"--threads", "N", "CPU threads (default: OMP_NUM_THREADS, else the library's default)",
       [](const std::string& v, Options& o) { o.threads = to_int("--threads", v, 1); }},
      {"--ema", "DECAY", "validate and test with an EMA of the weights (e.g. 0.999; default off)",
       [](const std::string& v, Options& o) { o.ema = to_double("--ema", v, 0); }},
      {"--clip", "NORM", "clip the gradient norm before each step (default off)",
       [](const std::string& v, Options& o) { o.clip = to_double("--clip", v, 0); }},
      {"--accumulate", "K", "sum the gradients of K batches per step (default 1)",
       [](const std::string& v, Options& o) { o.accumulate = to_int("--accumulate", v, 1); }},
      {"--augment", "", "random crops (padding 2) and horizontal flips of the training images",
       [](const std::string&, Options& o) { o.augment = true; }},
      {"--patience", "N", "stop when val/loss has not improved for N epochs (default off)",
       [](const std::string& v, Options& o) { o.patience = to_int("--patience", v, 1); }},
      {"--find-lr", "", "run the learning-rate range test first and train with its suggestion",
       [](const std::string&, Options& o) { o.find_lr = true; }},
      {"--out", "DIR", "where the checkpoints, logs and report go (default runs/<model>-<dataset>)",
       [](const std::string& v, Options& o) { o.out = v; }},
      {"--resume", "PATH", "continue the run saved in this checkpoint (its options, unless given again)",
       [](const std::string& v, Options& o) { o.resume = v; }},
      {"--no-progress", "", "one line per epoch instead of the progress bar",
       [](const std::string&, Options& o) { o.progress = false; }},
      {"--help", "", "this text", [](const std::string&, Options& o) { o.help = true; }},
  };
  return table;
}

}  // namespace

void parse(const std::vector<std::string>& args, Options& options) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i], value;
    const size_t eq = arg.find('=');
    const bool inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) {  // --epochs=3
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (arg == "-h") arg = "--help";
    const Flag* flag = nullptr;
    for (const Flag& f : flags())
      if (f.name == arg) flag = &f;
    if (flag == nullptr) throw std::invalid_argument("unknown option '" + args[i] + "'");
    if (flag->value_name.empty()) {
      if (inline_value) throw std::invalid_argument(arg + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs a value (" + flag->value_name + ")");
      value = args[++i];
    }
    flag->set(value, options);
  }
}

std::string help_text() {
  std::ostringstream out;
  out << "usage: nabla-train [options]\n\n"
         "Trains a model from nabla's zoo on an image dataset, with a progress bar,\n"
         "then prints the test accuracy and where the report and checkpoints are.\n"
         "Ctrl-C saves a checkpoint at the current step; --resume continues from it.\n\n"
         "options:\n";
  for (const Flag& f : flags()) {
    std::string left = "  " + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    out << left << std::string(left.size() < 22 ? 22 - left.size() : 1, ' ') << f.help << "\n";
  }
  out << "\nmodels:\n";
  for (const auto& m : nabla::models::list_models()) {
    std::string left = "  " + m.name;
    out << left << std::string(left.size() < 22 ? 22 - left.size() : 1, ' ') << m.description << "\n";
  }
  out << "\ndatasets:\n"
         "  fashion-mnist         Zalando's 28x28 clothing images, 10 classes (Debian dataset-fashion-mnist)\n"
         "  mnist                 handwritten digits in the same format (give --data-dir)\n";
  return out.str();
}

}  // namespace nabla_train
