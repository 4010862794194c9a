// CUDA runtime queries, the error check, the device guard and the per-thread
// streams. Any error while counting devices (no driver, no device) means "not
// available": a machine without a GPU must still run everything on the CPU.
#include <string>
#include <vector>

#include "../../tensor/cuda_backend.h"
#include "runtime.h"

namespace nabla::cuda::detail {

int device_count_from_runtime() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the error so later calls start clean
    return 0;
  }
  return n;
}

void throw_cuda_error(cudaError_t err, const char* expr, const char* file, int line) {
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  throw Error(std::string("CUDA error at ") + file + ":" + std::to_string(line) + ": " + expr + ": " +
              cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

int current_device() {
  int d = 0;
  NABLA_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

DeviceGuard::DeviceGuard(int device) {
  const int now = current_device();
  if (now != device) {
    NABLA_CUDA_CHECK(cudaSetDevice(device));
    previous_ = now;
  }
}

DeviceGuard::~DeviceGuard() {
  if (previous_ >= 0) cudaSetDevice(previous_);  // a destructor must not throw
}

cudaStream_t current_stream() {
  // Never destroyed: a stream handle freed at thread exit could be handed to
  // a new stream while the caching allocator still keys blocks by it.
  thread_local std::vector<cudaStream_t> streams;
  const int d = current_device();
  if (static_cast<int>(streams.size()) <= d) streams.resize(static_cast<size_t>(d) + 1, nullptr);
  if (!streams[d]) NABLA_CUDA_CHECK(cudaStreamCreateWithFlags(&streams[d], cudaStreamNonBlocking));
  return streams[d];
}

void synchronize(int device) {
  DeviceGuard guard(device < 0 ? current_device() : device);
  NABLA_CUDA_CHECK(cudaDeviceSynchronize());  // every stream of the device, as torch.cuda.synchronize
}

int get_device() { return current_device(); }
void set_device(int device) { NABLA_CUDA_CHECK(cudaSetDevice(device)); }

void check_same_device(const char* op, const kernels::View& first, const kernels::View& other) {
  if (!other.data) return;
  NABLA_CHECK(other.device == first.device, op, "expected all tensors on one device, got ", first.device.str(), " and ",
              other.device.str());
}

bool is_dense(const kernels::View& v) {
  int64_t expected = 1;
  for (int d = v.ndim - 1; d >= 0; --d) {
    if (v.shape[d] == 1) continue;
    if (v.strides[d] != expected) return false;
    expected *= v.shape[d];
  }
  return true;
}

}  // namespace nabla::cuda::detail
