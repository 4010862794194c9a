// Making tensors: filled, ranges, random, and from C++ data.
//
//   Tensor a = zeros({2, 3});                      // float32 on the CPU
//   Tensor b = arange(0, 10, 2, kInt64);           // [0, 2, 4, 6, 8]
//   Tensor c = tensor({{1.0, 2.0}, {3.0, 4.0}});   // from nested lists
//   Tensor d = randn({4, 4}, gen);                 // from an explicit Generator
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <vector>

#include "generator.h"
#include "tensor.h"

namespace nabla {

// Options shared by the creation functions.
struct TensorOptions {
  DType dtype = kFloat32;
  Device device = Device::cpu();
  bool requires_grad = false;
  TensorOptions(DType d = kFloat32) : dtype(d) {}  // NOLINT: `zeros(shape, kFloat64)` reads naturally
  TensorOptions(DType d, Device dev, bool rg = false) : dtype(d), device(dev), requires_grad(rg) {}
};

Tensor empty(const Shape& shape, const TensorOptions& opts);
Tensor zeros(const Shape& shape, const TensorOptions& opts = {});
Tensor ones(const Shape& shape, const TensorOptions& opts = {});
Tensor full(const Shape& shape, double value, const TensorOptions& opts = {});
// A 0-d tensor holding one value.
Tensor scalar_tensor(double value, const TensorOptions& opts = {});
// Same shape, dtype and device as `like` (dtype overridable).
Tensor empty_like(const Tensor& like);
Tensor zeros_like(const Tensor& like);
Tensor ones_like(const Tensor& like);
Tensor full_like(const Tensor& like, double value);

// [start, stop) in steps of `step` (NumPy: the length is ceil((stop-start)/step)).
Tensor arange(double stop, const TensorOptions& opts = {});
Tensor arange(double start, double stop, double step = 1.0, const TensorOptions& opts = {});
// `num` evenly spaced values from start to stop inclusive.
Tensor linspace(double start, double stop, int64_t num, const TensorOptions& opts = {});
// n x m identity (m defaults to n).
Tensor eye(int64_t n, int64_t m = -1, const TensorOptions& opts = {});

// Uniform in [0, 1), standard normal, and integers in [low, high).
Tensor rand(const Shape& shape, Generator& gen = default_generator(), const TensorOptions& opts = {});
Tensor randn(const Shape& shape, Generator& gen = default_generator(), const TensorOptions& opts = {});
Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen = default_generator(),
               const TensorOptions& opts = kInt64);
// Fills x in place (no autograd): uniform in [low, high), normal(mean, std).
Tensor& uniform_(Tensor& x, double low, double high, Generator& gen = default_generator());
Tensor& normal_(Tensor& x, double mean, double stddev, Generator& gen = default_generator());

// From C++ values. The element type picks the dtype: float -> float32,
// double -> float64, int64_t/int -> int64, bool -> bool; `opts` converts.
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape);
template <>
Tensor from_vector<bool>(const std::vector<bool>& values, const Shape& shape);
template <class T>
Tensor from_vector(const std::vector<T>& values) {
  return from_vector(values, Shape{static_cast<int64_t>(values.size())});
}
// Nested initializer lists of doubles: tensor({1, 2}), tensor({{1, 2}, {3, 4}}).
// float32 unless opts says otherwise. C++ cannot tell a list of one-element
// rows from deeper nesting: write tensor({10, 20}).reshape({2, 1}) instead of
// tensor({{10}, {20}}).
Tensor tensor(std::initializer_list<double> values, const TensorOptions& opts = {});
Tensor tensor(std::initializer_list<std::initializer_list<double>> values, const TensorOptions& opts = {});
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> values,
              const TensorOptions& opts = {});

// Borrows memory the caller owns (no copy): the caller keeps it alive and
// unchanged-in-layout while the tensor (or any view of it) lives. `deleter`,
// if given, runs when the last tensor is gone.
Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter = nullptr);
Tensor from_blob(void* data, const Shape& shape, const Shape& strides, DType dtype,
                 std::function<void(void*)> deleter = nullptr);
// Copies numel(shape) elements of `dtype` from a raw buffer.
Tensor from_buffer(const void* data, const Shape& shape, DType dtype);

}  // namespace nabla
