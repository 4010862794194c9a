// Transforms: what is done to one example's input before it is batched
// (torchvision.transforms for a single [C, H, W] image, or any tensor).
//
// A Transform is a function (input, generator) -> output. Random transforms
// draw only from the Generator they are handed; the DataLoader hands each
// example a Generator seeded from (seed, epoch, position in the epoch), so a
// run - and a run resumed from a checkpoint - sees the same crops and flips.
//
//   Transform t = Compose({RandomCrop(28, 4), RandomHorizontalFlip(), Normalize({0.2860}, {0.3530})});
//   Generator g(7);
//   Tensor y = t(image, g);   // image [1, 28, 28]
#pragma once
#include <functional>
#include <vector>

#include "../../tensor/generator.h"
#include "../../tensor/tensor.h"

namespace nabla::data {

using Transform = std::function<Tensor(const Tensor&, Generator&)>;

// y[c] = (x[c] - mean[c]) / std[c] for a [C, ...] input (channels first).
// One mean/std value applies to every channel. Output float32 (float64 stays).
Transform Normalize(std::vector<double> mean, std::vector<double> std);

// Pads the last two axes (H, W) of a [..., H, W] input with `padding` zeros on
// every side, then cuts a size x size window at a uniformly random corner
// (top drawn first, then left), as torchvision's RandomCrop(size, padding).
Transform RandomCrop(int64_t size, int64_t padding = 0);

// Mirrors the last axis (W) with probability p (one uniform draw u; flip when u < p).
Transform RandomHorizontalFlip(double p = 0.5);

// Applies the transforms in order, each drawing from the same generator.
Transform Compose(std::vector<Transform> transforms);

}  // namespace nabla::data
