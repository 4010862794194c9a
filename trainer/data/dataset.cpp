#include "dataset.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <utility>

#include "../../autograd/grad_mode.h"
#include "../../autograd/ops/indexing.h"
#include "../../tensor/creation.h"
#include "../../tensor/npy.h"

namespace nabla::data {

// ---- TensorDataset ------------------------------------------------------------

TensorDataset::TensorDataset(Tensor inputs, Tensor targets, Transform transform) {
  init(std::move(inputs), std::move(targets), std::move(transform), "TensorDataset");
}

void TensorDataset::init(Tensor inputs, Tensor targets, Transform transform, const char* who) {
  NABLA_CHECK(inputs.defined() && targets.defined() && inputs.ndim() >= 1 && targets.ndim() >= 1, who,
              "inputs and targets need a first (example) axis");
  NABLA_CHECK(inputs.size(0) == targets.size(0), who, "inputs ", shape_str(inputs.shape()), " and targets ",
              shape_str(targets.shape()), " differ in their number of examples");
  inputs_ = std::move(inputs);
  targets_ = std::move(targets);
  transform_ = std::move(transform);
}

Example TensorDataset::get(int64_t index) const {
  Generator gen(static_cast<uint64_t>(index));
  return get(index, gen);
}

Example TensorDataset::get(int64_t index, Generator& gen) const {
  NABLA_CHECK(index >= 0 && index < size(), "Dataset::get", "index ", index, " out of range [0, ", size(), ")");
  Example e{inputs_[index], targets_[index]};
  if (transform_) e.input = transform_(e.input, gen);
  return e;
}

// ---- MnistDataset / NpyDataset -------------------------------------------------

MnistDataset::MnistDataset(const std::string& dir, bool train, Transform transform) {
  MnistSplit split = load_mnist(dir, train);
  init(split.images.unsqueeze(1), split.labels, std::move(transform), "MnistDataset");  // [N, 1, 28, 28]
}

NpyDataset::NpyDataset(const std::string& inputs_path, const std::string& targets_path, Transform transform) {
  Tensor inputs = load_npy(inputs_path), targets = load_npy(targets_path);
  NABLA_CHECK(inputs.ndim() >= 1 && targets.ndim() >= 1 && inputs.size(0) == targets.size(0), "NpyDataset", "'",
              inputs_path, "' ", shape_str(inputs.shape()), " and '", targets_path, "' ", shape_str(targets.shape()),
              " must hold the same number of examples along their first axis");
  init(std::move(inputs), std::move(targets), std::move(transform), "NpyDataset");
}

// ---- CsvDataset ------------------------------------------------------------------

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    cells.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string::npos) return cells;
    start = comma + 1;
  }
}

}  // namespace

CsvDataset::CsvDataset(const std::string& path, const std::string& label_column, bool has_header, DType target_dtype) {
  NABLA_CHECK(has_header, "CsvDataset", "'", path, "': a label column given by name ('", label_column,
              "') needs a header row");
  load(path, &label_column, 0, has_header, target_dtype);
}

CsvDataset::CsvDataset(const std::string& path, int64_t label_column, bool has_header, DType target_dtype) {
  load(path, nullptr, label_column, has_header, target_dtype);
}

void CsvDataset::load(const std::string& path, const std::string* label_name, int64_t label_index, bool has_header,
                      DType target_dtype) {
  std::ifstream in(path);
  NABLA_CHECK(in.good(), "CsvDataset", "cannot open '", path, "'");
  std::vector<double> values;  // row-major, all columns
  size_t ncols = 0;
  int64_t rows = 0, line_no = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;  // blank lines (a trailing newline) carry nothing
    std::vector<std::string> cells = split_cells(line);
    if (ncols == 0) ncols = cells.size();
    NABLA_CHECK(cells.size() == ncols, "CsvDataset", "'", path, "' line ", line_no, ": ", cells.size(),
                " columns, but the first row has ", ncols, " (ragged row)");
    if (has_header && columns_.empty()) {
      columns_ = cells;
      continue;
    }
    for (size_t c = 0; c < cells.size(); ++c) {
      const char* text = cells[c].c_str();
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(text, &end);
      NABLA_CHECK(!cells[c].empty() && *end == '\0' && errno != ERANGE, "CsvDataset", "'", path, "' line ", line_no,
                  " column ", c + 1, ": '", cells[c], "' is not a number");
      values.push_back(v);
    }
    ++rows;
  }
  NABLA_CHECK(rows > 0, "CsvDataset", "'", path, "' has no data rows");
  const auto n = static_cast<int64_t>(ncols);
  if (label_name) {
    label_index = -1;
    for (size_t c = 0; c < columns_.size(); ++c)
      if (columns_[c] == *label_name) label_index = static_cast<int64_t>(c);
    NABLA_CHECK(label_index >= 0, "CsvDataset", "'", path, "' has no column named '", *label_name, "'");
  } else {
    if (label_index < 0) label_index += n;
    NABLA_CHECK(label_index >= 0 && label_index < n, "CsvDataset", "'", path, "': label column ", label_index,
                " out of range for ", n, " columns");
  }
  NABLA_CHECK(n >= 2, "CsvDataset", "'", path, "' needs a label and at least one feature column (has ", n, ")");
  Tensor table = from_vector(values, Shape{rows, n});
  std::vector<int64_t> features;
  for (int64_t c = 0; c < n; ++c)
    if (c != label_index) features.push_back(c);
  NoGradGuard no_grad;
  Tensor inputs = index_select(table, 1, from_vector(features)).to(kFloat32);
  Tensor targets = table.select(1, label_index).to(target_dtype);
  init(inputs, targets, nullptr, "CsvDataset");
}

// ---- WindowDataset -----------------------------------------------------------------

WindowDataset::WindowDataset(Tensor series, int64_t window, int64_t stride, int64_t horizon,
                             std::vector<int64_t> target_columns)
    : series_(std::move(series)), window_(window), stride_(stride), horizon_(horizon) {
  NABLA_CHECK(series_.defined() && series_.ndim() == 2, "WindowDataset", "series must be [T, F] (got ",
              series_.defined() ? shape_str(series_.shape()) : std::string("undefined"), ")");
  NABLA_CHECK(window > 0 && stride > 0 && horizon > 0, "WindowDataset", "window, stride and horizon must be > 0 (got ",
              window, ", ", stride, ", ", horizon, ")");
  const int64_t steps = series_.size(0), features = series_.size(1);
  NABLA_CHECK(steps >= window + horizon, "WindowDataset", "a series of ", steps, " steps is too short for window ",
              window, " + horizon ", horizon);
  size_ = (steps - window - horizon) / stride + 1;
  for (int64_t& c : target_columns) {
    NABLA_CHECK(c >= -features && c < features, "WindowDataset", "target column ", c, " out of range for ", features,
                " features");
    if (c < 0) c += features;
  }
  if (!target_columns.empty()) target_columns_ = from_vector(target_columns);
}

Example WindowDataset::get(int64_t index) const {
  NABLA_CHECK(index >= 0 && index < size_, "Dataset::get", "index ", index, " out of range [0, ", size_, ")");
  NoGradGuard no_grad;
  const int64_t t = index * stride_;
  Example e{series_.narrow(0, t, window_), series_.narrow(0, t + window_, horizon_)};
  if (target_columns_.defined()) e.target = index_select(e.target, 1, target_columns_);
  return e;
}

}  // namespace nabla::data
