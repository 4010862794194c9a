#include "creation.h"

#include <cmath>
#include <cstring>

#include "../kernels/kernels.h"
#include "kernel_view.h"

namespace nabla {

using detail::kview;

namespace {
Tensor finish(Tensor t, const TensorOptions& opts) {
  if (opts.requires_grad) t.requires_grad_(true);
  return t;
}
}  // namespace

Tensor empty(const Shape& shape, const TensorOptions& opts) {
  return finish(empty(shape, opts.dtype, opts.device), opts);
}

Tensor full(const Shape& shape, double value, const TensorOptions& opts) {
  Tensor t = empty(shape, opts.dtype, opts.device);
  kernels::fill(kview(t), value);
  return finish(t, opts);
}
Tensor zeros(const Shape& shape, const TensorOptions& opts) { return full(shape, 0.0, opts); }
Tensor ones(const Shape& shape, const TensorOptions& opts) { return full(shape, 1.0, opts); }
Tensor scalar_tensor(double value, const TensorOptions& opts) { return full({}, value, opts); }

Tensor empty_like(const Tensor& like) { return empty(like.shape(), like.dtype(), like.device()); }
Tensor zeros_like(const Tensor& like) { return full_like(like, 0.0); }
Tensor ones_like(const Tensor& like) { return full_like(like, 1.0); }
Tensor full_like(const Tensor& like, double value) {
  return full(like.shape(), value, TensorOptions(like.dtype(), like.device()));
}

Tensor arange(double stop, const TensorOptions& opts) { return arange(0, stop, 1, opts); }

Tensor arange(double start, double stop, double step, const TensorOptions& opts) {
  NABLA_CHECK(step != 0, "arange", "step must be nonzero");
  double len = std::ceil((stop - start) / step);
  int64_t n = len > 0 ? static_cast<int64_t>(len) : 0;
  Tensor t = empty({n}, kFloat64, Device::cpu());
  double* p = t.data<double>();
  for (int64_t i = 0; i < n; ++i) p[i] = start + static_cast<double>(i) * step;
  return finish(t.to(opts.dtype).to(opts.device), opts);
}

Tensor linspace(double start, double stop, int64_t num, const TensorOptions& opts) {
  NABLA_CHECK(num >= 0, "linspace", "num must be >= 0, got ", num);
  Tensor t = empty({num}, kFloat64, Device::cpu());
  double* p = t.data<double>();
  double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
  for (int64_t i = 0; i < num; ++i) p[i] = start + static_cast<double>(i) * step;
  if (num > 1) p[num - 1] = stop;  // exact end point, as NumPy
  return finish(t.to(opts.dtype).to(opts.device), opts);
}

Tensor eye(int64_t n, int64_t m, const TensorOptions& opts) {
  if (m < 0) m = n;
  NABLA_CHECK(n >= 0, "eye", "n must be >= 0, got ", n);
  Tensor t = zeros({n, m}, kFloat64);
  double* p = t.data<double>();
  for (int64_t i = 0; i < n && i < m; ++i) p[i * m + i] = 1.0;
  return finish(t.to(opts.dtype).to(opts.device), opts);
}

// ---- random ----------------------------------------------------------------

Tensor& uniform_(Tensor& x, double low, double high, Generator& gen) {
  NABLA_CHECK(is_floating(x.dtype()), "uniform_", "needs a floating-point tensor, got ", dtype_name(x.dtype()));
  NABLA_CHECK(x.is_contiguous(), "uniform_", "needs a contiguous tensor");
  GeneratorState s = gen.advance(static_cast<uint64_t>(x.numel()));
  kernels::uniform(kview(x), s.seed, s.offset, low, high);
  x.bump_version();
  return x;
}

Tensor& normal_(Tensor& x, double mean, double stddev, Generator& gen) {
  NABLA_CHECK(is_floating(x.dtype()), "normal_", "needs a floating-point tensor, got ", dtype_name(x.dtype()));
  NABLA_CHECK(x.is_contiguous(), "normal_", "needs a contiguous tensor");
  GeneratorState s = gen.advance(static_cast<uint64_t>(x.numel()));
  kernels::normal(kview(x), s.seed, s.offset, mean, stddev);
  x.bump_version();
  return x;
}

Tensor rand(const Shape& shape, Generator& gen, const TensorOptions& opts) {
  Tensor t = empty(shape, opts.dtype, opts.device);
  uniform_(t, 0.0, 1.0, gen);
  return finish(t, opts);
}

Tensor randn(const Shape& shape, Generator& gen, const TensorOptions& opts) {
  Tensor t = empty(shape, opts.dtype, opts.device);
  normal_(t, 0.0, 1.0, gen);
  return finish(t, opts);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen, const TensorOptions& opts) {
  NABLA_CHECK(high > low, "randint", "high (", high, ") must be greater than low (", low, ")");
  Tensor u = empty(shape, kFloat64, opts.device);
  uniform_(u, 0.0, 1.0, gen);
  // floor(low + u * (high - low)); u < 1 keeps the result below high.
  Tensor t = empty(shape, kFloat64, Device::cpu());
  Tensor uc = u.to(Device::cpu());
  const double* up = uc.data<double>();
  double* tp = t.data<double>();
  for (int64_t i = 0; i < t.numel(); ++i)
    tp[i] = std::floor(static_cast<double>(low) + up[i] * static_cast<double>(high - low));
  return t.to(opts.dtype).to(opts.device);
}

// ---- from C++ data -----------------------------------------------------------

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  NABLA_CHECK(static_cast<int64_t>(values.size()) == nabla::numel(shape), "from_vector", values.size(),
              " values cannot fill shape ", shape_str(shape), " (", nabla::numel(shape), " elements)");
  using Stored = typename std::conditional<std::is_same<T, int>::value, int64_t, T>::type;
  Tensor t = empty(shape, dtype_of<Stored>(), Device::cpu());
  Stored* p = t.data<Stored>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<Stored>(values[i]);
  return t;
}
template Tensor from_vector<float>(const std::vector<float>&, const Shape&);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&);
template Tensor from_vector<int>(const std::vector<int>&, const Shape&);
template <>
Tensor from_vector<bool>(const std::vector<bool>& values, const Shape& shape) {
  NABLA_CHECK(static_cast<int64_t>(values.size()) == nabla::numel(shape), "from_vector", values.size(),
              " values cannot fill shape ", shape_str(shape));
  Tensor t = empty(shape, kBool, Device::cpu());
  bool* p = t.data<bool>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
  return t;
}

namespace {
Tensor from_doubles(const std::vector<double>& v, const Shape& shape, const TensorOptions& opts) {
  return finish(from_vector(v, shape).to(opts.dtype).to(opts.device), opts);
}
}  // namespace

Tensor tensor(std::initializer_list<double> values, const TensorOptions& opts) {
  return from_doubles(std::vector<double>(values), {static_cast<int64_t>(values.size())}, opts);
}

Tensor tensor(std::initializer_list<std::initializer_list<double>> values, const TensorOptions& opts) {
  std::vector<double> flat;
  int64_t cols = values.size() ? static_cast<int64_t>(values.begin()->size()) : 0;
  for (const auto& row : values) {
    NABLA_CHECK(static_cast<int64_t>(row.size()) == cols, "tensor", "ragged nested list: rows of length ", cols,
                " and ", row.size());
    flat.insert(flat.end(), row.begin(), row.end());
  }
  return from_doubles(flat, {static_cast<int64_t>(values.size()), cols}, opts);
}

Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> values,
              const TensorOptions& opts) {
  std::vector<double> flat;
  int64_t rows = values.size() ? static_cast<int64_t>(values.begin()->size()) : 0;
  int64_t cols = rows ? static_cast<int64_t>(values.begin()->begin()->size()) : 0;
  for (const auto& mat : values) {
    NABLA_CHECK(static_cast<int64_t>(mat.size()) == rows, "tensor", "ragged nested list");
    for (const auto& row : mat) {
      NABLA_CHECK(static_cast<int64_t>(row.size()) == cols, "tensor", "ragged nested list");
      flat.insert(flat.end(), row.begin(), row.end());
    }
  }
  return from_doubles(flat, {static_cast<int64_t>(values.size()), rows, cols}, opts);
}

Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter) {
  return from_blob(data, shape, contiguous_strides(shape), dtype, std::move(deleter));
}

Tensor from_blob(void* data, const Shape& shape, const Shape& strides, DType dtype,
                 std::function<void(void*)> deleter) {
  NABLA_CHECK(shape.size() == strides.size(), "from_blob", "shape ", shape_str(shape), " and strides ",
              shape_str(strides), " differ in length");
  NABLA_CHECK(data != nullptr || nabla::numel(shape) == 0, "from_blob", "null data pointer");
  RefPtr<Storage> storage = Storage::make_empty();
  storage->data = data;
  int64_t extent = 1;
  for (size_t i = 0; i < shape.size(); ++i) extent += (shape[i] - 1) * strides[i];
  storage->nbytes = static_cast<size_t>(nabla::numel(shape) ? extent : 0) * dtype_size(dtype);
  if (deleter) storage->deleter = std::make_unique<std::function<void(void*)>>(std::move(deleter));
  return tensor_over(std::move(storage), shape, strides, 0, dtype);
}

Tensor from_buffer(const void* data, const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype, Device::cpu());
  if (t.numel()) std::memcpy(t.raw_data(), data, static_cast<size_t>(t.numel()) * dtype_size(dtype));
  return t;
}

}  // namespace nabla
