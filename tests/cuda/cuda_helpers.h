// Helpers for the GPU tests: every CUDA result is compared with its CPU twin
// (STYLE.md habit 7). Inputs are random, of odd sizes, made on the CPU and
// copied over, so both devices see exactly the same numbers.
//
// Tolerances, per dtype (|gpu - cpu| / (1 + |cpu|), elementwise):
//   float64: 1e-12  (CUDA's libm and glibc differ by an ulp or so)
//   float32: 1e-5   (transcendentals are within a few ulp; sums in double)
//   float32 through cuBLAS (matmul, linear): 1e-4 (another summation order,
//     FMA; K up to ~100 here)
//   int64 and bool: exact.
#pragma once
#include <nabla/nabla.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace cuda_testing {

inline constexpr double kTolF64 = 1e-12;
inline constexpr double kTolF32 = 1e-5;
inline constexpr double kTolBlasF32 = 1e-4;

inline double tol_for(nabla::DType dtype) {
  return dtype == nabla::kFloat64 ? kTolF64 : dtype == nabla::kFloat32 ? kTolF32 : 0.0;
}

inline nabla::Device gpu() { return nabla::Device::cuda(0); }
inline nabla::Device cpu() { return nabla::Device::cpu(); }

// Uniform in [lo, hi) on the CPU, any dtype (int64: truncated).
inline nabla::Tensor uniform(const nabla::Shape& shape, nabla::DType dtype, double lo, double hi, uint64_t seed) {
  nabla::Generator g(seed);
  return (nabla::rand(shape, g, nabla::TensorOptions(nabla::kFloat64)) * (hi - lo) + lo).astype(dtype);
}

// The values of a tensor on any device as doubles, row-major.
inline std::vector<double> host_values(const nabla::Tensor& t) {
  nabla::Tensor c = t.detach().to(nabla::Device::cpu()).astype(nabla::kFloat64).contiguous();
  const double* p = c.data<double>();
  return std::vector<double>(p, p + c.numel());
}

// gpu (on the GPU) equals cpu (on the CPU) within tol; same shape and dtype.
inline void require_twin(const nabla::Tensor& on_gpu, const nabla::Tensor& on_cpu, double tol) {
  REQUIRE(on_gpu.defined());
  REQUIRE(on_cpu.defined());
  REQUIRE(on_gpu.device().is_cuda());
  REQUIRE(on_cpu.device().is_cpu());
  REQUIRE(nabla::shape_str(on_gpu.shape()) == nabla::shape_str(on_cpu.shape()));
  REQUIRE(on_gpu.dtype() == on_cpu.dtype());
  const std::vector<double> a = host_values(on_gpu), e = host_values(on_cpu);
  double worst = 0;
  size_t worst_at = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
    const bool same_inf = std::isinf(a[i]) && a[i] == e[i];
    if (both_nan || same_inf) continue;
    const double d = std::isnan(a[i]) || std::isnan(e[i]) ? INFINITY : std::abs(a[i] - e[i]) / (1 + std::abs(e[i]));
    if (d > worst) worst = d, worst_at = i;
  }
  INFO("largest difference " << worst << " at flat index " << worst_at << " of " << a.size());
  REQUIRE(worst <= tol);
}
inline void require_twin(const nabla::Tensor& on_gpu, const nabla::Tensor& on_cpu) {
  require_twin(on_gpu, on_cpu, tol_for(on_cpu.dtype()));
}

// The same values as a leaf that requires grad, on the CPU and on the GPU
// (Tensor::to is not recorded by autograd, so the GPU leaf is made there).
struct LeafPair {
  nabla::Tensor on_cpu, on_gpu;
};
inline LeafPair leaf_pair(const nabla::Tensor& values) {
  nabla::Tensor c = values.detach().clone();
  nabla::Tensor g = values.detach().to(gpu());
  c.requires_grad_();
  g.requires_grad_();
  return {c, g};
}

}  // namespace cuda_testing
