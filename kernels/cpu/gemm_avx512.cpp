// gemm() for CPUs with AVX-512 (F, DQ, VL): gemm_eigen.h compiled with
// -mavx512f -mavx512dq -mavx512vl into its own shared library,
// libnabla_gemm_avx512, for the reasons gemm_avx2.cpp gives. Eigen's AVX-512
// kernels run its GEMM at up to ~1.5x its AVX2 ones on such CPUs.
#include "gemm_eigen.h"
#include "gemm_small.h"

#define NABLA_GEMM_AVX512_EXPORT extern "C" __attribute__((visibility("default")))

NABLA_GEMM_AVX512_EXPORT void nabla_gemm_avx512_f32(const nabla::kernels::cpu::GemmArgs<float>* args) {
  nabla::kernels::cpu::detail::gemm_eigen(*args);
}

// The packing-free kernels (gemm_small.h) for the small float products they
// win; false when the product is not one of them.
NABLA_GEMM_AVX512_EXPORT bool nabla_gemm_small_avx512_f32(const nabla::kernels::cpu::GemmArgs<float>* args) {
  return nabla::kernels::cpu::detail::gemm_small(*args);
}

// Whether gemm_small() takes the product in one block of k, as gemm_sgd()
// needs (gemm.h).
NABLA_GEMM_AVX512_EXPORT bool nabla_gemm_sgd_fits_avx512(const nabla::kernels::cpu::GemmArgs<float>* args) {
  return nabla::kernels::cpu::detail::broadcast_in_one_block(*args);
}

NABLA_GEMM_AVX512_EXPORT void nabla_gemm_avx512_f64(const nabla::kernels::cpu::GemmArgs<double>* args) {
  nabla::kernels::cpu::detail::gemm_eigen(*args);
}
