#include "gemm.h"

#include <cstdlib>
#include <cstring>

#include "gemm_eigen.h"

#ifdef NABLA_GEMM_AVX2
// From libnabla_gemm_avx2 (gemm_avx2.cpp), linked whenever it is built.
extern "C" void nabla_gemm_avx2_f32(const nabla::kernels::cpu::GemmArgs<float>* args);
extern "C" void nabla_gemm_avx2_f64(const nabla::kernels::cpu::GemmArgs<double>* args);
#endif

namespace nabla::kernels::cpu {

namespace {
bool use_avx2() {
#ifdef NABLA_GEMM_AVX2
  // Asked once: the answer cannot change while the process runs.
  // NABLA_GEMM=baseline forces the baseline build (the tests use it to
  // check that path on machines that have AVX2).
  static const bool yes = [] {
    const char* forced = std::getenv("NABLA_GEMM");
    if (forced && std::strcmp(forced, "baseline") == 0) return false;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return yes;
#else
  return false;
#endif
}
}  // namespace

void gemm(const GemmArgs<float>& args) {
#ifdef NABLA_GEMM_AVX2
  if (use_avx2()) return nabla_gemm_avx2_f32(&args);
#endif
  detail::gemm_eigen(args);
}

void gemm(const GemmArgs<double>& args) {
#ifdef NABLA_GEMM_AVX2
  if (use_avx2()) return nabla_gemm_avx2_f64(&args);
#endif
  detail::gemm_eigen(args);
}

void gemm(const GemmArgs<int64_t>& args) { detail::gemm_eigen(args); }

const char* gemm_isa() { return use_avx2() ? "avx2+fma" : "baseline"; }

}  // namespace nabla::kernels::cpu
