// Random fills. Element i of the output uses Philox counter (offset + i), so
// the numbers are the same whatever the thread count (and on the GPU).
#include <cmath>

#include "../philox.h"
#include "cpu_kernels.h"
#include "parallel.h"

namespace nabla::kernels::cpu {
namespace {

template <class T, class F>
void fill_random(const View& out, F draw) {
  T* o = static_cast<T*>(out.data);
  parallel_for(out.numel(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) o[i] = static_cast<T>(draw(i));
  });
}

}  // namespace

void uniform(const View& out, uint64_t seed, uint64_t offset, double low, double high) {
  auto draw = [=](int64_t i) {
    Philox4x32 r(seed, offset + i);
    return low + (high - low) * uniform_double(r.out[0], r.out[1]);
  };
  if (out.dtype == DType::Float64)
    fill_random<double>(out, draw);
  else
    fill_random<float>(out, draw);
}

void normal(const View& out, uint64_t seed, uint64_t offset, double mean, double stddev) {
  // Box-Muller on the four words of one counter: u1 in (0, 1], u2 in [0, 1).
  auto draw = [=](int64_t i) {
    Philox4x32 r(seed, offset + i);
    double u1 = 1.0 - uniform_double(r.out[0], r.out[1]);
    double u2 = uniform_double(r.out[2], r.out[3]);
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  };
  if (out.dtype == DType::Float64)
    fill_random<double>(out, draw);
  else
    fill_random<float>(out, draw);
}

}  // namespace nabla::kernels::cpu
