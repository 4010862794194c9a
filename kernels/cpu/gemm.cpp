#include "gemm.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include "denormals.h"
#include "gemm_eigen.h"
#include "parallel.h"
#ifdef __AVX512F__
#include "gemm_small.h"  // a -march=native build on an AVX-512 CPU
#endif

#ifdef NABLA_GEMM_AVX2
// From libnabla_gemm_avx2 and libnabla_gemm_avx512 (gemm_avx2.cpp,
// gemm_avx512.cpp), linked whenever they are built.
extern "C" void nabla_gemm_avx2_f32(const nabla::kernels::cpu::GemmArgs<float>* args);
extern "C" void nabla_gemm_avx2_f64(const nabla::kernels::cpu::GemmArgs<double>* args);
extern "C" void nabla_gemm_avx512_f32(const nabla::kernels::cpu::GemmArgs<float>* args);
extern "C" void nabla_gemm_avx512_f64(const nabla::kernels::cpu::GemmArgs<double>* args);
extern "C" bool nabla_gemm_small_avx512_f32(const nabla::kernels::cpu::GemmArgs<float>* args);
extern "C" bool nabla_gemm_sgd_fits_avx512(const nabla::kernels::cpu::GemmArgs<float>* args);
#endif

#ifdef NABLA_GEMM_OPENBLAS
#include <dlfcn.h>
#endif

namespace nabla::kernels::cpu {

namespace {

// Products of at least this many multiply-adds (m·n·k) are split across the
// OpenMP threads. A small MLP's big layers (32×784×128: 3.2M) are split;
// its small ones (32×128×64: 0.26M, ~3.5 µs) stay on the calling thread,
// where a fork/join (~1 µs) and moving their operands between cores would
// eat what a second core saves (splitting those too made the benchmark
// MLP's 2-thread step slower, not faster).
constexpr double kParallelMinWork = 2.0 * 1024 * 1024;
// Each thread's piece is a column (or row) panel of C, a multiple of this
// many wide (a whole number of 512-bit float vectors).
constexpr int64_t kPanel = 16;
// OpenBLAS, when nabla has it, takes the products of at least this many
// multiply-adds (per thread's piece): below it Eigen's GEMM is as fast or
// faster (less packing and set-up per call), above it OpenBLAS's hand-written
// kernels win (~1.2-1.6x from 64×1024×1024 up, with AVX2 kernels against
// Eigen's AVX2 build and AVX-512 ones against its AVX-512 build). Measured
// with benchmarks/bench_gemm (NABLA_GEMM=eigen against the default).
constexpr double kBlasMinWork = 32.0 * 1024 * 1024;

const char* forced_gemm() {
  // NABLA_GEMM=baseline forces Eigen's baseline build, NABLA_GEMM=avx2 its
  // AVX2 build, NABLA_GEMM=eigen Eigen's best build; all three without
  // OpenBLAS and without the small-product kernels of gemm_small.h (tests
  // and benchmarks use them to check and compare the paths on machines that
  // have the others).
  static const char* forced = std::getenv("NABLA_GEMM");
  return forced ? forced : "";
}

bool use_avx2() {
#ifdef NABLA_GEMM_AVX2
  // Asked once: the answer cannot change while the process runs.
  static const bool yes = [] {
    if (std::strcmp(forced_gemm(), "baseline") == 0) return false;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return yes;
#else
  return false;
#endif
}

bool use_avx512() {
#ifdef NABLA_GEMM_AVX2
  static const bool yes = [] {
    if (std::strcmp(forced_gemm(), "avx2") == 0 || !use_avx2()) return false;
    // (libgcc also checks that the OS saves the AVX-512 registers.)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
  }();
  return yes;
#else
  return false;
#endif
}

#ifdef NABLA_GEMM_OPENBLAS
// The system OpenBLAS (CMake found it: NABLA_OPENBLAS_PATH), loaded on the
// first product big enough to want it, not when the program starts. When it
// loads, OpenBLAS starts a pool of threads sized by OPENBLAS_NUM_THREADS (or
// OMP_NUM_THREADS); nabla calls it with one thread per call (its own OpenMP
// threads split big products, below), so that pool would only sit idle - and
// merely existing, it would make every tensor handle's reference count
// atomic (tensor/ref_ptr.h): 2x the cost of a tiny op at OMP_NUM_THREADS=2.
// So nabla asks for no pool, unless the user set OPENBLAS_NUM_THREADS.
// The four C functions nabla needs, by their CBLAS signatures (row-major =
// 101, no transpose = 111, transpose = 112).
struct OpenBlas {
  void (*sgemm)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
  void (*dgemm)(int, int, int, int, int, int, double, const double*, int, const double*, int, double, double*, int);
  char* (*corename)();
  void (*set_num_threads)(int);
};

const OpenBlas* openblas() {
  static const OpenBlas* lib = []() -> const OpenBlas* {
    setenv("OPENBLAS_NUM_THREADS", "1", /*overwrite=*/0);
    void* h = dlopen(NABLA_OPENBLAS_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!h) return nullptr;
    static OpenBlas b;
    b.sgemm = reinterpret_cast<decltype(b.sgemm)>(dlsym(h, "cblas_sgemm"));
    b.dgemm = reinterpret_cast<decltype(b.dgemm)>(dlsym(h, "cblas_dgemm"));
    b.corename = reinterpret_cast<decltype(b.corename)>(dlsym(h, "openblas_get_corename"));
    b.set_num_threads = reinterpret_cast<decltype(b.set_num_threads)>(dlsym(h, "openblas_set_num_threads"));
    return b.sgemm && b.dgemm && b.corename && b.set_num_threads ? &b : nullptr;
  }();
  return lib;
}
#endif

bool use_openblas() {
#ifdef NABLA_GEMM_OPENBLAS
  static const bool yes = [] {
    if (*forced_gemm()) return false;  // any NABLA_GEMM asks for Eigen
    const OpenBlas* lib = openblas();
    if (!lib) return false;
    // OpenBLAS picks its kernels for the CPU when it loads. A CPU newer than
    // the OpenBLAS release gets generic SSE3 ones ("Prescott"), slower than
    // Eigen's AVX2 build: use OpenBLAS only with kernels of at least the ISA
    // of the Eigen build in use, which on large products beat Eigen's.
    // (OPENBLAS_CORETYPE=Haswell, SkylakeX, ... overrides its choice.)
    std::string core = lib->corename();
    std::transform(core.begin(), core.end(), core.begin(), [](unsigned char ch) { return std::tolower(ch); });
    const bool avx512 = core == "skylakex" || core == "cooperlake" || core == "sapphirerapids";
    const bool avx2 = avx512 || core == "haswell" || core == "zen";
    const bool fast = use_avx512() ? avx512 : use_avx2() ? avx2 : (avx2 || core == "sandybridge");
    // One OpenBLAS thread per call, so that two thread pools never compete
    // (OPENBLAS_NUM_THREADS set by the user made a pool anyway).
    if (fast) lib->set_num_threads(1);
    return fast;
  }();
  return yes;
#else
  return false;
#endif
}

#ifdef NABLA_GEMM_OPENBLAS
// Whether CBLAS accepts these arguments: 32-bit sizes, and leading
// dimensions at least the stored rows' length (a view of a size-1 dimension
// may carry any stride; Eigen does not mind, CBLAS refuses).
template <class T>
bool blas_ok(const GemmArgs<T>& g) {
  const int64_t a_len = g.a_colmajor ? g.m : g.k, b_len = g.b_colmajor ? g.k : g.n;
  return g.m < INT_MAX && g.n < INT_MAX && g.k < INT_MAX && g.lda < INT_MAX && g.ldb < INT_MAX && g.ldc < INT_MAX &&
         g.lda >= std::max<int64_t>(1, a_len) && g.ldb >= std::max<int64_t>(1, b_len) &&
         g.ldc >= std::max<int64_t>(1, g.n);
}

void blas(const GemmArgs<float>& g) {
  openblas()->sgemm(101, g.a_colmajor ? 112 : 111, g.b_colmajor ? 112 : 111, int(g.m), int(g.n), int(g.k), 1.0f, g.a,
                    int(g.lda), g.b, int(g.ldb), g.accumulate ? 1.0f : 0.0f, g.c, int(g.ldc));
}

void blas(const GemmArgs<double>& g) {
  openblas()->dgemm(101, g.a_colmajor ? 112 : 111, g.b_colmajor ? 112 : 111, int(g.m), int(g.n), int(g.k), 1.0, g.a,
                    int(g.lda), g.b, int(g.ldb), g.accumulate ? 1.0 : 0.0, g.c, int(g.ldc));
}
#endif

// One product on the calling thread, by the best implementation at hand.
template <class T>
void gemm_serial(const GemmArgs<T>& g) {
  if constexpr (std::is_same_v<T, float>) {
    if (g.sgd) {           // gemm_sgd() checked that the small kernels take it
      FlushDenormals ftz;  // as sgd_step does, on this thread (MXCSR is per thread)
#ifdef NABLA_GEMM_AVX2
      nabla_gemm_small_avx512_f32(&g);
#elif defined(__AVX512F__)
      detail::gemm_small(g);
#endif
      return;
    }
  }
#ifdef NABLA_GEMM_OPENBLAS
  if (g.k > 0 && static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k) >= kBlasMinWork &&
      use_openblas() && blas_ok(g))
    return blas(g);
#endif
#ifdef NABLA_GEMM_AVX2
  if (use_avx512()) {
    if constexpr (std::is_same_v<T, float>) {
      if (!*forced_gemm() && nabla_gemm_small_avx512_f32(&g)) return;
      return nabla_gemm_avx512_f32(&g);
    }
    if constexpr (std::is_same_v<T, double>) return nabla_gemm_avx512_f64(&g);
  }
  if (use_avx2()) {
    if constexpr (std::is_same_v<T, float>) return nabla_gemm_avx2_f32(&g);
    if constexpr (std::is_same_v<T, double>) return nabla_gemm_avx2_f64(&g);
  }
#endif
#ifdef __AVX512F__
  if constexpr (std::is_same_v<T, float>)
    if (!*forced_gemm() && detail::gemm_small(g)) return;
#endif
  detail::gemm_eigen(g);
}

// C split into column panels or row panels, one contiguous range of panels
// per thread; each piece is an independent product with the same k, so no
// thread waits for another.
//
// Which way: so that each thread touches one contiguous block of the
// largest of A, B and C - in a training step, the weight or its gradient.
// Then the same thread touches the same half of a weight every time: x·Wᵀ
// splits W's rows (B's columns), dW = dzᵀ·x splits dW's rows (C's), and,
// at 2 threads, the optimizer's update (optim.cpp) splits the flat weight
// the same way. Each half stays in its own core's cache from step to step. Splitting dW by
// columns instead (what "split the longer side" picks for 128×784) moved
// half of every weight, gradient and momentum buffer between the cores each
// step: measured on the benchmark MLP, the 2-thread step then ran no faster
// than the 1-thread one, and ~1.25x faster with the split below.
template <class T>
void gemm_threaded(const GemmArgs<T>& g) {
  const double work = static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
  if (work < kParallelMinWork || num_threads() == 1 || in_parallel_region()) return gemm_serial(g);
  const double size_a = static_cast<double>(g.m) * static_cast<double>(g.k);
  const double size_b = static_cast<double>(g.k) * static_cast<double>(g.n);
  const double size_c = static_cast<double>(g.m) * static_cast<double>(g.n);
  // B the largest: its columns (rows of a transposed weight); otherwise A's
  // rows or C's rows, which a row split gives each thread whole.
  const bool by_cols = size_b > size_a && size_b > size_c;
  const int64_t extent = by_cols ? g.n : g.m;
  parallel_for((extent + kPanel - 1) / kPanel,
               [&](int64_t begin, int64_t end) {
                 const int64_t lo = begin * kPanel, hi = std::min(extent, end * kPanel);
                 GemmArgs<T> piece = g;
                 if (by_cols) {  // C[:, lo:hi] = A · B[:, lo:hi]
                   piece.n = hi - lo;
                   piece.b = g.b + (g.b_colmajor ? lo * g.ldb : lo);
                   piece.c = g.c + lo;
                 } else {  // C[lo:hi, :] = A[lo:hi, :] · B
                   piece.m = hi - lo;
                   piece.a = g.a + (g.a_colmajor ? lo : lo * g.lda);
                   piece.c = g.c + lo * g.ldc;
                 }
                 gemm_serial(piece);
               },
               1);
}

}  // namespace

void gemm(const GemmArgs<float>& args) { gemm_threaded(args); }

bool gemm_sgd(const GemmArgs<float>& args, const GemmSgd& sgd) {
  if (*forced_gemm()) return false;  // the small kernels are switched off
#ifdef NABLA_GEMM_AVX2
  if (!use_avx512() || !nabla_gemm_sgd_fits_avx512(&args)) return false;
#elif defined(__AVX512F__)
  if (!detail::broadcast_in_one_block(args)) return false;
#else
  return false;
#endif
  GemmArgs<float> g = args;
  g.sgd = &sgd;
  // Split as gemm() splits the gradient's product, so each thread updates
  // the rows it would have computed.
  gemm_threaded(g);
  return true;
}

void gemm(const GemmArgs<double>& args) { gemm_threaded(args); }

void gemm(const GemmArgs<int64_t>& args) { detail::gemm_eigen(args); }

const char* gemm_isa() { return use_avx512() ? "avx512" : use_avx2() ? "avx2+fma" : "baseline"; }

const char* gemm_large() { return use_openblas() ? "openblas" : gemm_isa(); }

}  // namespace nabla::kernels::cpu
