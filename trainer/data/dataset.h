// Datasets: indexable collections of (input, target) examples, the source a
// DataLoader batches from (torch.utils.data.Dataset).
//
//   auto train = std::make_shared<MnistDataset>(kFashionMnistDir, true);
//   Example e = train->get(0);        // e.input [1, 28, 28] float32, e.target 0-d int64
//
// Datasets here hold everything in memory and are read-only after
// construction, so a prefetch thread may call get() while the user works.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../../tensor/generator.h"
#include "../../tensor/tensor.h"
#include "idx.h"
#include "transforms.h"

namespace nabla::data {

struct Example {
  Tensor input, target;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // Example `index` in [0, size()). A dataset with a random transform uses a
  // Generator seeded with `index`, so a lone get() is reproducible too.
  virtual Example get(int64_t index) const = 0;
  // The DataLoader's entry: random transforms draw from `gen`.
  virtual Example get(int64_t index, Generator& gen) const {
    (void)gen;
    return get(index);
  }
};

// Examples are slices along the first axis: example i = (inputs[i], targets[i]).
// An optional transform is applied to each input.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor inputs, Tensor targets, Transform transform = nullptr);
  int64_t size() const override { return inputs_.size(0); }
  Example get(int64_t index) const override;
  Example get(int64_t index, Generator& gen) const override;
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 protected:
  TensorDataset() = default;
  void init(Tensor inputs, Tensor targets, Transform transform, const char* who);

 private:
  Tensor inputs_, targets_;
  Transform transform_;
};

// One split of (Fashion-)MNIST (load_mnist): input [1, 28, 28] float32 in
// [0, 1] (before the transform), target 0-d int64 in 0..9.
class MnistDataset : public TensorDataset {
 public:
  explicit MnistDataset(const std::string& dir = kFashionMnistDir, bool train = true, Transform transform = nullptr);
};

// Inputs and targets from two .npy files (np.save), first axis = examples.
class NpyDataset : public TensorDataset {
 public:
  NpyDataset(const std::string& inputs_path, const std::string& targets_path, Transform transform = nullptr);
};

// A numeric CSV table: every column but the label is an input feature.
// input [F] float32, target 0-d of `target_dtype`. Cells are parsed as
// numbers (surrounding spaces allowed); a non-numeric cell, a ragged row or
// an empty file is a nabla::Error naming the path, line and column.
class CsvDataset : public TensorDataset {
 public:
  // The label by its header name (the file must have a header) ...
  CsvDataset(const std::string& path, const std::string& label_column, bool has_header = true,
             DType target_dtype = kFloat32);
  // ... or by its 0-based index (negative counts from the end).
  CsvDataset(const std::string& path, int64_t label_column, bool has_header = true, DType target_dtype = kFloat32);
  const std::vector<std::string>& columns() const { return columns_; }  // header names (empty without a header)

 private:
  void load(const std::string& path, const std::string* label_name, int64_t label_index, bool has_header,
            DType target_dtype);
  std::vector<std::string> columns_;
};

// Sliding windows over a time series [T, F] (T steps of F features):
//   example i, t = i * stride:
//     input  = series[t : t + window]                      [window, F]
//     target = series[t + window : t + window + horizon]   [horizon, F], or
//              only `target_columns` of it                 [horizon, len(target_columns)]
//   size = floor((T - window - horizon) / stride) + 1; T < window + horizon is an error.
class WindowDataset : public Dataset {
 public:
  WindowDataset(Tensor series, int64_t window, int64_t stride = 1, int64_t horizon = 1,
                std::vector<int64_t> target_columns = {});
  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;

 private:
  Tensor series_, target_columns_;  // target_columns_: int64 indices, undefined = all
  int64_t window_, stride_, horizon_, size_;
};

}  // namespace nabla::data
