// gemm() for CPUs with AVX2 + FMA: gemm_eigen.h compiled with -mavx2 -mfma
// into its own shared library, libnabla_gemm_avx2 (CMakeLists.txt). It is a
// separate library, not another file of libnabla, on purpose: Eigen's
// templates compiled for two ISAs have the same symbol names, and within one
// library the linker would keep one copy for both - possibly the AVX2 one for
// the baseline path. Built with hidden visibility, this library exports the
// two functions below and nothing else, so its Eigen stays its own.
#include "gemm_eigen.h"

#define NABLA_GEMM_AVX2_EXPORT extern "C" __attribute__((visibility("default")))

NABLA_GEMM_AVX2_EXPORT void nabla_gemm_avx2_f32(const nabla::kernels::cpu::GemmArgs<float>* args) {
  nabla::kernels::cpu::detail::gemm_eigen(*args);
}

NABLA_GEMM_AVX2_EXPORT void nabla_gemm_avx2_f64(const nabla::kernels::cpu::GemmArgs<double>* args) {
  nabla::kernels::cpu::detail::gemm_eigen(*args);
}
