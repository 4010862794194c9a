// NABLA_SIMD_CLONES: compiles one hot loop three times - for AVX-512, for
// AVX2 and for the portable x86-64 baseline the rest of the library is built
// for (NABLA_NATIVE is off by default) - and lets the dynamic loader pick
// the widest one this CPU runs, once, at load time (GCC's target_clones: an
// ifunc). For memory-streaming loops such as the optimizer updates: the SGD
// step of the benchmark MLP ran its 100k-weight update 4 floats at a time,
// 15% of a training step.
//
// The clones compute exactly what the baseline loop computes: the library
// is built with -ffp-contract=off (CMakeLists.txt), so the wider targets do
// not fuse a*b+c into one FMA with a different rounding, and a model trains
// to the same bits on every x86-64 CPU.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__) && \
    !defined(NABLA_NATIVE_BUILD)
#define NABLA_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NABLA_SIMD_CLONES
#endif
