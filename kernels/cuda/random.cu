// Random fills from the Philox stream (kernels/philox.h, shared with the
// CPU): element i uses counter offset + i, so a GPU tensor holds exactly the
// numbers the CPU twin (kernels/cpu/random.cpp) draws for the same generator
// state. The arithmetic is written with explicitly rounded operations
// (__dmul_rn, __dadd_rn): nvcc would otherwise fuse a*b + c into one FMA,
// which rounds once instead of twice and would break bit equality with the
// CPU. Normals go through CUDA's log/sqrt/cos, which may differ from glibc's
// in the last bit of a double (float results almost always agree exactly).
#include "../philox.h"
#include "cuda_kernels.h"
#include "runtime.h"

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

template <class T>
__global__ void uniform_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, double low, double high) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const Philox4x32 r(seed, offset + static_cast<uint64_t>(i));
    const double u = uniform_double(r.out[0], r.out[1]);
    out[i] = static_cast<T>(__dadd_rn(low, __dmul_rn(__dsub_rn(high, low), u)));
  }
}

template <class T>
__global__ void normal_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, double mean, double stddev) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    // Box-Muller on the four words of one counter: u1 in (0, 1], u2 in [0, 1).
    const Philox4x32 r(seed, offset + static_cast<uint64_t>(i));
    const double u1 = __dsub_rn(1.0, uniform_double(r.out[0], r.out[1]));
    const double u2 = uniform_double(r.out[2], r.out[3]);
    // mean + stddev * sqrt(-2 log u1) * cos(2π u2), in the CPU's order of operations.
    const double radius = sqrt(__dmul_rn(-2.0, log(u1)));
    const double z = __dmul_rn(__dmul_rn(stddev, radius), cos(__dmul_rn(6.283185307179586, u2)));
    out[i] = static_cast<T>(__dadd_rn(mean, z));
  }
}

}  // namespace

void uniform(const View& out, uint64_t seed, uint64_t offset, double low, double high) {
  rt::DeviceGuard guard(out.device.index);
  const int64_t n = out.numel();
  if (n == 0) return;
  NABLA_DISPATCH_FLOAT(out.dtype, T, "uniform",
                       uniform_kernel<<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(
                           static_cast<T*>(out.data), n, seed, offset, low, high));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

void normal(const View& out, uint64_t seed, uint64_t offset, double mean, double stddev) {
  rt::DeviceGuard guard(out.device.index);
  const int64_t n = out.numel();
  if (n == 0) return;
  NABLA_DISPATCH_FLOAT(out.dtype, T, "normal",
                       normal_kernel<<<rt::grid_for(n), rt::kBlock, 0, rt::current_stream()>>>(
                           static_cast<T*>(out.data), n, seed, offset, mean, stddev));
  NABLA_CUDA_CHECK(cudaGetLastError());
}

}  // namespace nabla::kernels::cuda
