// nabla-train's command line: every option with its default, parsed into one
// struct, and --help generated from the same table so the two never differ.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nabla_train {

struct Options {
  std::string model = "mlp";
  std::string dataset = "fashion-mnist";
  std::string data_dir;  // default: the dataset's Debian path
  int64_t epochs = 5;
  int64_t batch_size = 32;
  std::string optimizer = "sgd";
  double lr = -1;  // -1: the optimizer's default (sgd 0.01, adam/adamw 1e-3)
  double momentum = 0.9;
  double weight_decay = 0;
  std::string schedule = "none";
  int64_t val_size = 5000;  // held out of the training set
  int64_t limit = 0;        // use only the first N training examples (0: all)
  uint64_t seed = 0;
  int64_t threads = 0;  // 0: OMP_NUM_THREADS or the library default
  double ema = 0;       // EMA decay (0: off)
  double clip = 0;      // gradient-norm clip (0: off)
  int64_t accumulate = 1;
  bool augment = false;
  int64_t patience = 0;  // early stopping on val/loss (0: off)
  bool find_lr = false;
  std::string out;  // default: runs/<model>-<dataset>
  std::string resume;
  bool progress = true;
  bool help = false;
};

// Parses argv over `options` (so a checkpoint's saved arguments can be
// parsed first and the command line's on top). A bad argument throws
// std::invalid_argument with a one-line message.
void parse(const std::vector<std::string>& args, Options& options);
std::string help_text();

}  // namespace nabla_train
