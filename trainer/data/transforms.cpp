#include "transforms.h"

#include <utility>

#include "../../autograd/grad_mode.h"
#include "../../autograd/ops/arithmetic.h"
#include "../../autograd/ops/indexing.h"
#include "../../autograd/ops/join.h"
#include "../../tensor/creation.h"

namespace nabla::data {

namespace {

// One uniform number in [0, 1) from `gen` (float64, so 1 - u never rounds to 0).
double uniform(Generator& gen) { return rand({}, gen, kFloat64).item<double>(); }

// A uniform integer in [0, n).
int64_t uniform_int(Generator& gen, int64_t n) {
  const auto k = static_cast<int64_t>(uniform(gen) * static_cast<double>(n));
  return k < n ? k : n - 1;
}

}  // namespace

Transform Normalize(std::vector<double> mean, std::vector<double> std) {
  NABLA_CHECK(!mean.empty() && mean.size() == std.size(), "Normalize", "needs as many means as stds (got ", mean.size(),
              " and ", std.size(), ")");
  for (double s : std) NABLA_CHECK(s != 0.0, "Normalize", "std must be non-zero");
  return [mean = std::move(mean), std = std::move(std)](const Tensor& x, Generator&) {
    NoGradGuard no_grad;
    const auto channels = static_cast<int64_t>(mean.size());
    NABLA_CHECK(x.ndim() >= 1 && (channels == 1 || x.size(0) == channels), "Normalize", "input ", shape_str(x.shape()),
                " has no first axis of ", channels, " channels");
    const DType dtype = x.dtype() == kFloat64 ? kFloat64 : kFloat32;
    Shape per_channel(static_cast<size_t>(x.ndim()), 1);  // [C, 1, 1, ...] broadcasts over the rest
    per_channel[0] = channels;
    Tensor m = from_vector(mean).to(dtype).reshape(per_channel);
    Tensor s = from_vector(std).to(dtype).reshape(per_channel);
    return (x.to(dtype) - m) / s;
  };
}

Transform RandomCrop(int64_t size, int64_t padding) {
  NABLA_CHECK(size > 0 && padding >= 0, "RandomCrop", "needs size > 0 and padding >= 0 (got ", size, ", ", padding,
              ")");
  return [size, padding](const Tensor& x, Generator& gen) {
    NoGradGuard no_grad;
    NABLA_CHECK(x.ndim() >= 2, "RandomCrop", "input ", shape_str(x.shape()), " has no [H, W] axes");
    Tensor padded = padding > 0 ? pad(x, {padding, padding, padding, padding}) : x;
    const int64_t h = padded.size(-2), w = padded.size(-1);
    NABLA_CHECK(h >= size && w >= size, "RandomCrop", "a ", size, "x", size, " crop does not fit in ", h, "x", w,
                " (input ", shape_str(x.shape()), " padded by ", padding, ")");
    const int64_t top = uniform_int(gen, h - size + 1);
    const int64_t left = uniform_int(gen, w - size + 1);
    return padded.narrow(-2, top, size).narrow(-1, left, size).contiguous();
  };
}

Transform RandomHorizontalFlip(double p) {
  NABLA_CHECK(p >= 0.0 && p <= 1.0, "RandomHorizontalFlip", "p must be in [0, 1] (got ", p, ")");
  return [p](const Tensor& x, Generator& gen) {
    NoGradGuard no_grad;
    NABLA_CHECK(x.ndim() >= 1, "RandomHorizontalFlip", "needs at least one axis (got a 0-d tensor)");
    if (uniform(gen) >= p) return x;
    const int64_t w = x.size(-1);
    return index_select(x, -1, arange(static_cast<double>(w - 1), -1.0, -1.0, kInt64));
  };
}

Transform Compose(std::vector<Transform> transforms) {
  return [transforms = std::move(transforms)](const Tensor& x, Generator& gen) {
    Tensor y = x;
    for (const Transform& t : transforms) y = t(y, gen);
    return y;
  };
}

}  // namespace nabla::data
