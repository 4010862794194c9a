// FlushDenormals: while one is alive, the calling thread's SSE/AVX unit
// treats subnormal float inputs as zero (DAZ) and flushes subnormal results
// to zero (FTZ); the previous mode comes back when it dies.
//
// Why the optimizer kernels use it: where a gradient stays exactly 0 (the
// weights of a dead ReLU unit), a momentum or moment buffer only decays -
// by 0.9 per step for SGD momentum - and after ~800 steps its values are
// subnormal (below 1.2e-38). Arithmetic on subnormals takes a microcode
// assist, ~100 cycles instead of ~4, so the SGD step of a plain MLP went
// from a few percent of the step to most of it. Flushing them changes no
// update by a representable amount that matters: they are 1e-38 of a step.
// The user's own code keeps IEEE behaviour: the mode is per thread and put
// back at the end of the loop.
#pragma once
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define NABLA_HAS_MXCSR 1
#endif

namespace nabla::kernels::cpu {

class FlushDenormals {
 public:
#ifdef NABLA_HAS_MXCSR
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFtz | kDaz); }
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  static constexpr unsigned kFtz = 0x8000;  // flush-to-zero: subnormal results become 0
  static constexpr unsigned kDaz = 0x0040;  // denormals-are-zero: subnormal inputs read as 0
  unsigned saved_;
#else
  FlushDenormals() {}  // other CPUs: IEEE subnormals, slower but the same updates
#endif
 public:
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;
};

}  // namespace nabla::kernels::cpu
