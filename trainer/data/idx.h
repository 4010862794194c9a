// IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed:
//   [4 bytes]  0, 0, type code (0x08 ubyte, 0x09 sbyte, 0x0B int16,
//              0x0C int32, 0x0D float32, 0x0E float64), number of dims
//   [4 bytes per dim]  sizes, big-endian
//   [rest]     the values, big-endian, C order
//
//   Tensor images = read_idx("train-images-idx3-ubyte.gz");  // [60000, 28, 28]
//
// Fashion-MNIST (Debian's dataset-fashion-mnist) lives in
// /usr/share/datasets/fashion-mnist.
#pragma once
#include <string>

#include "../../tensor/tensor.h"

namespace nabla::data {

constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// The file's values converted to `dtype` (default float32, values as stored).
Tensor read_idx(const std::string& path, DType dtype = kFloat32);

// One split of (Fashion-)MNIST held in memory: images [N, 28, 28] float32
// scaled to [0, 1], labels [N] int64 in 0..9.
struct MnistSplit {
  Tensor images, labels;
};
// train: train-*-idx?-ubyte(.gz) (60,000), else t10k-* (10,000).
MnistSplit load_mnist(const std::string& dir = kFashionMnistDir, bool train = true);

}  // namespace nabla::data
