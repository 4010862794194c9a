// Convolution on the CPU: im2col + GEMM (Caffe's scheme, and PyTorch's
// slow_conv2d), over chunks of images.
//
// im2col unrolls the receptive fields of one image x[C, H, W] into a matrix
//   col[(c, i, j), (oh, ow)] = x[c, oh·sh - ph + i·dh, ow·sw - pw + j·dw]   (0 outside)
// of shape [C·KH·KW, OH·OW], so that the convolution of group g is one GEMM
//   y[g] = W[g] · col[g]      [C_out/G, C_in/G·KH·KW] x [C_in/G·KH·KW, OH·OW].
// col2im is im2col's adjoint: it adds every entry of col back onto the pixel
// it was read from. With the two:
//   conv2d:            col = im2col(x[n]);       y[n, g] = W[g] col[g]   (+ b)
//   conv_transpose2d:  col[g] = W[g]ᵀ y[n, g];   x[n] = col2im(col)      (+ b)
//   conv2d_weight:     col = im2col(x[n]);       W[g] += y[n, g] col[g]ᵀ  (summed over n)
// Small images put nb of them side by side (col [C·KH·KW, nb·OH·OW]) so that
// each GEMM is big enough to run near the machine's peak (see "batching").
// float at stride 1 on a CPU with AVX2 + FMA (LeNet's convs, most 3x3 and
// 5x5 layers) skips col altogether: its rows are read in place as slices of
// the image ("the wide convolution"), by small register-blocked GEMM
// kernels compiled for AVX2 + FMA and for AVX-512 next to the portable code
// (the widest the CPU runs is used).
//
// Chunks of images are spread over OpenMP threads, each with its own col
// buffer (O(C·K²·nb·OH·OW) memory per thread, not per batch). Inside a
// parallel region Eigen's GEMM runs serially; a single big image gets
// Eigen's own threads.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cpu_kernels.h"
#include "gemm.h"
#include "parallel.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NABLA_CONV_AVX2 1
#include <immintrin.h>
#endif

namespace nabla::kernels::cpu {
namespace {

// A scratch buffer of one thread, kept between calls (it only grows), so a
// training loop's steady-state steps make no system allocations. Slot tells
// apart the buffers one kernel uses at the same time.
template <class T, int Slot>
class Scratch {
 public:
  explicit Scratch(int64_t n) {
    if (n > 0 && static_cast<size_t>(n) > storage().size()) storage().resize(static_cast<size_t>(n));
    data_ = n > 0 ? storage().data() : nullptr;
  }
  T* get() const { return data_; }

 private:
  static std::vector<T>& storage() {
    thread_local std::vector<T> buffer;
    return buffer;
  }
  T* data_;
};
template <class T>
using ColBuffer = Scratch<T, 0>;  // im2col / col2im matrices
template <class T>
using OutBuffer = Scratch<T, 1>;  // a chunk's [C, nb·L] GEMM operand or result

// The output positions o in [0, out) whose input position o·s + offset lies
// in [0, in): the range [lo, hi), so the inner loops need no bounds checks.
inline void valid_range(int64_t in, int64_t out, int64_t s, int64_t offset, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + s - 1) / s;
  hi = in - offset <= 0 ? 0 : (in - offset + s - 1) / s;
  hi = std::min(hi, out);
  lo = std::min(lo, hi);
}

// 1×1 kernels with stride 1 and no padding: col is x itself (unless
// output_padding made the sizes differ).
bool col_is_input(const Conv2dGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 && g.pad_w == 0 &&
         g.in_h == g.out_h && g.in_w == g.out_w;
}

// Walks the (row of col, output row oh) pairs of one image: f(col_row, plane,
// ih, ow_lo, ow_hi, iw_offset), where col_row[ow] for ow in [ow_lo, ow_hi)
// pairs with plane[ih·W + ow·sw + iw_offset]; the other entries read padding
// (lo = hi = 0 when the whole row does, and ih is then out of range).
// Row r of col starts at col + r·ld (ld = OH·OW for one image alone, nb·OH·OW
// when nb images sit side by side). Shared by im2col and col2im so that the
// two are exact adjoints.
template <class XPtr, class ColPtr, class F>
void for_each_tap(const Conv2dGeometry& g, int64_t channels, XPtr x, ColPtr col, int64_t ld, F f) {
  for (int64_t c = 0; c < channels; ++c) {
    XPtr plane = x + c * g.in_h * g.in_w;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const int64_t h_off = i * g.dilation_h - g.pad_h;
      int64_t oh_lo, oh_hi;
      valid_range(g.in_h, g.out_h, g.stride_h, h_off, oh_lo, oh_hi);
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t w_off = j * g.dilation_w - g.pad_w;
        int64_t ow_lo, ow_hi;
        valid_range(g.in_w, g.out_w, g.stride_w, w_off, ow_lo, ow_hi);
        ColPtr row = col + ((c * g.kernel_h + i) * g.kernel_w + j) * ld;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          bool inside = oh >= oh_lo && oh < oh_hi;
          f(row + oh * g.out_w, plane, oh * g.stride_h + h_off, inside ? ow_lo : 0, inside ? ow_hi : 0, w_off);
        }
      }
    }
  }
}

// The rows im2col copies are short: OW elements, 10 in LeNet's conv2. A
// copy loop becomes a call to memmove, whose call and size dispatch cost
// more than the copy, and a vectorised loop spends most of its time in
// prologue and remainder. So rows move in blocks of 32 bytes (a fixed-size
// memcpy: moves, no call), the last block overlapping the one before it.
template <class T>
inline void copy_row(const T* s, T* d, int64_t w) {
  constexpr int64_t V = 32 / sizeof(T);
  if (w < V) {
    for (int64_t k = 0; k < w; ++k) d[k] = s[k];
    return;
  }
  for (int64_t k = 0; k + V <= w; k += V) std::memcpy(d + k, s + k, 32);
  if (w % V) std::memcpy(d + w - V, s + w - V, 32);  // overlaps: rewrites equal values
}

// col [channels·KH·KW, OH·OW] (rows ld apart) = the receptive fields of x
// [channels, H, W]. Written out rather than through for_each_tap: this is
// the hot loop of a small conv (a call per output row costs more than its copy).
template <class T>
void im2col(const Conv2dGeometry& g, int64_t channels, const T* x, T* col, int64_t ld) {
  const int64_t W = g.in_w, OH = g.out_h, OW = g.out_w, sh = g.stride_h, sw = g.stride_w;
  for (int64_t c = 0; c < channels; ++c) {
    const T* plane = x + c * g.in_h * W;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const int64_t h_off = i * g.dilation_h - g.pad_h;
      int64_t oh_lo, oh_hi;
      valid_range(g.in_h, OH, sh, h_off, oh_lo, oh_hi);
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t w_off = j * g.dilation_w - g.pad_w;
        int64_t lo, hi;
        valid_range(W, OW, sw, w_off, lo, hi);
        T* row = col + ((c * g.kernel_h + i) * g.kernel_w + j) * ld;
        std::fill(row, row + oh_lo * OW, T(0));  // output rows that read only padding
        std::fill(row + oh_hi * OW, row + OH * OW, T(0));
        for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
          T* r = row + oh * OW;
          const T* src = plane + (oh * sh + h_off) * W + w_off;  // src[ow·sw] is in bounds for ow in [lo, hi)
          for (int64_t ow = 0; ow < lo; ++ow) r[ow] = T(0);
          if (sw == 1)
            copy_row(src + lo, r + lo, hi - lo);
          else
            for (int64_t ow = lo; ow < hi; ++ow) r[ow] = src[ow * sw];
          for (int64_t ow = hi; ow < OW; ++ow) r[ow] = T(0);
        }
      }
    }
  }
}

// x [channels, H, W] = col2im(col): zeroed, then every col entry added back.
template <class T>
void col2im(const Conv2dGeometry& g, int64_t channels, const T* col, int64_t ld, T* x) {
  std::fill(x, x + channels * g.in_h * g.in_w, T(0));
  const int64_t sw = g.stride_w, W = g.in_w;
  for_each_tap(g, channels, x, col, ld, [&](const T* r, T* plane, int64_t ih, int64_t lo, int64_t hi, int64_t w_off) {
    T* dst = plane + ih * W + w_off;
    for (int64_t ow = lo; ow < hi; ++ow) dst[ow * sw] += r[ow];
  });
}

// ---- a small-A GEMM for AVX2 + FMA --------------------------------------------------------
// conv2d (y = W·col) and conv_transpose2d (col = Wᵀ·y) multiply a small
// matrix A (W: a few to a few hundred rows and columns) by a wide one B (col
// or y: nb·L columns). A general GEMM first packs both operands into its
// own layout; here that is a copy of the wide one per call, costing about as
// much as the multiplication. This kernel reads B where it lies: for each
// strip of 16 columns, 6 rows of C are kept in 12 AVX registers while the k
// rows of B's strip stream past (the classic 6x16 register block: 12
// accumulators + 2 B vectors + 1 broadcast fit in the 16 registers), and
// the strip (k·16 floats) stays in L1 across the row blocks. libnabla is
// built for the x86-64 baseline, so this code is compiled for AVX2 + FMA
// (and again below for AVX-512) by target attributes and chosen at run time.
#ifdef NABLA_CONV_AVX2

// A(r, kk) = a[r·rs + kk·cs]: W itself (rs = k, cs = 1) or Wᵀ read in place.
struct SmallA {
  const float* a;
  int64_t rs, cs;
};

// B's row kk starts at base + kk·ld, or (rows non-null) at rows[kk]: the
// "wide" convolution below reads shifted slices of an image in place.
// Columns from `col` on.
struct WideB {
  const float* const* rows;
  const float* base;
  int64_t ld, col;
  const float* row(int64_t kk) const { return (rows ? rows[kk] : base + kk * ld) + col; }
};

// C's row r likewise: base + r·ld, or rows[r]. Rows given by pointers may
// overlap (conv_transpose2d adds into overlapping image slices): each row is
// read, added to and written back in turn, so overlaps add up correctly.
struct WideC {
  float* const* rows;
  float* base;
  int64_t ld, col;
  float* row(int64_t r) const { return (rows ? rows[r] : base + r * ld) + col; }
  WideC from_row(int64_t r) const {
    return rows ? WideC{rows + r, nullptr, 0, col} : WideC{nullptr, base + r * ld, ld, col};
  }
};

// BLOCK(MR) for the block of MR = min(6, rows_left) rows, with MR a
// constant: the block's accumulators can then live in registers, and the
// block is inlined where it runs (a call through a pointer would lose the
// caller's knowledge of B's and C's layout, ~30% slower here).
#define NABLA_ROW_BLOCK(rows_left, BLOCK)    \
  switch (std::min<int64_t>(6, rows_left)) { \
    case 6:                                  \
      BLOCK(6);                              \
      break;                                 \
    case 5:                                  \
      BLOCK(5);                              \
      break;                                 \
    case 4:                                  \
      BLOCK(4);                              \
      break;                                 \
    case 3:                                  \
      BLOCK(3);                              \
      break;                                 \
    case 2:                                  \
      BLOCK(2);                              \
      break;                                 \
    default:                                 \
      BLOCK(1);                              \
      break;                                 \
  }

// C[MR rows, 16 columns from c] (+)= A[MR rows from A.a, k] · B[k, 16 columns
// from b]; when Masked, only the columns whose mask lanes are set are read or written.
template <int MR, bool Masked>
__attribute__((target("avx2,fma"))) inline void block_6x16(int64_t k, SmallA A, WideB b, WideC c, bool accumulate,
                                                           __m256i mask0, __m256i mask1) {
  __m256 acc0[MR], acc1[MR];
  for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
  for (int64_t kk = 0; kk < k; ++kk) {
    const float* brow = b.row(kk);
    const __m256 b0 = Masked ? _mm256_maskload_ps(brow, mask0) : _mm256_loadu_ps(brow);
    const __m256 b1 = Masked ? _mm256_maskload_ps(brow + 8, mask1) : _mm256_loadu_ps(brow + 8);
    const float* acol = A.a + kk * A.cs;
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(acol + r * A.rs);
      acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    float* crow = c.row(r);
    if (Masked) {
      if (accumulate) {
        acc0[r] = _mm256_add_ps(acc0[r], _mm256_maskload_ps(crow, mask0));
        acc1[r] = _mm256_add_ps(acc1[r], _mm256_maskload_ps(crow + 8, mask1));
      }
      _mm256_maskstore_ps(crow, mask0, acc0[r]);
      _mm256_maskstore_ps(crow + 8, mask1, acc1[r]);
    } else {
      if (accumulate) {
        acc0[r] = _mm256_add_ps(acc0[r], _mm256_loadu_ps(crow));
        acc1[r] = _mm256_add_ps(acc1[r], _mm256_loadu_ps(crow + 8));
      }
      _mm256_storeu_ps(crow, acc0[r]);
      _mm256_storeu_ps(crow + 8, acc1[r]);
    }
  }
}

// All m rows of C for one strip of 16 (or, Masked, fewer) columns.
template <bool Masked>
__attribute__((target("avx2,fma"))) void strip_16(int64_t m, int64_t k, SmallA A, WideB b, WideC c, bool accumulate,
                                                  __m256i mask0, __m256i mask1) {
  for (int64_t i = 0; i < m; i += 6) {
    const SmallA Ai{A.a + i * A.rs, A.rs, A.cs};
    const WideC ci = c.from_row(i);
#define NABLA_BLOCK(MR) block_6x16<MR, Masked>(k, Ai, b, ci, accumulate, mask0, mask1)
    NABLA_ROW_BLOCK(m - i, NABLA_BLOCK);
#undef NABLA_BLOCK
  }
}

// C[m, n] (+)= A[m, k] · B[k, n], C row-major (ldc).
__attribute__((target("avx2,fma"))) void gemm_small_a_avx2(int64_t m, int64_t n, int64_t k, SmallA A, WideB b, WideC c,
                                                           bool accumulate) {
  const __m256i all = _mm256_set1_epi32(-1);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    b.col = c.col = j;
    strip_16<false>(m, k, A, b, c, accumulate, all, all);
  }
  if (j < n) {  // the last 1..15 columns, through masks
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int32_t rest = static_cast<int32_t>(n - j);
    const __m256i mask0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(rest), lane);
    const __m256i mask1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(rest - 8), lane);
    b.col = c.col = j;
    strip_16<true>(m, k, A, b, c, accumulate, mask0, mask1);
  }
}

// One step of 8 along t of an OB x RB block of dot products (Masked: the
// last, partial step).
template <int OB, int RB, bool Masked>
__attribute__((target("avx2,fma"))) inline void dot_step(const float* const* ap, const float* const* bp, int64_t t,
                                                         __m256i tail, __m256 (&acc)[OB][RB]) {
  __m256 bv[RB];
  for (int q = 0; q < RB; ++q) bv[q] = Masked ? _mm256_maskload_ps(bp[q] + t, tail) : _mm256_loadu_ps(bp[q] + t);
  for (int p = 0; p < OB; ++p) {
    const __m256 av = Masked ? _mm256_maskload_ps(ap[p] + t, tail) : _mm256_loadu_ps(ap[p] + t);
    for (int q = 0; q < RB; ++q) acc[p][q] = _mm256_fmadd_ps(av, bv[q], acc[p][q]);
  }
}

// The rows one image contributes to an OB x RB dot block at (o0, r0); a
// partial block repeats its last row (its results are dropped). Shared by
// the AVX2 and AVX-512 kernels.
template <int OB, int RB>
inline void block_rows(const float* const* a, int64_t lda, const float* const* b, int64_t img, int64_t m, int64_t n,
                       int64_t o0, int64_t r0, const float* (&ap)[OB], const float* (&bp)[RB]) {
  for (int p = 0; p < OB; ++p) ap[p] = a[img] + std::min<int64_t>(o0 + p, m - 1) * lda;
  for (int q = 0; q < RB; ++q) bp[q] = b[img * n + std::min<int64_t>(r0 + q, n - 1)];
}

// C[o, r] += Σ_images Σ_t A_img[o, t] · B_img,r[t] for o < m, r < n, t < len:
// the weight gradient's shape (both operands long along the sum). A_img's
// rows are lda apart from a[img]; B_img's row r is b[img·n + r]. Blocks of
// OB rows of A by RB rows of B keep OB·RB (12) accumulators in registers
// over all the images, so the horizontal sums are paid once per block, not
// once per image; a partial block reads its last row again and drops the
// duplicate results.
template <int OB, int RB>
__attribute__((target("avx2,fma"))) void gemm_dot_blocks(int64_t m, int64_t n, int64_t len, int64_t images,
                                                         const float* const* a, int64_t lda, const float* const* b,
                                                         float* c, int64_t ldc) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int64_t full = len / 8 * 8;
  const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(len - full)), lane);
  for (int64_t o0 = 0; o0 < m; o0 += OB)
    for (int64_t r0 = 0; r0 < n; r0 += RB) {
      __m256 acc[OB][RB];
      for (int p = 0; p < OB; ++p)
        for (int q = 0; q < RB; ++q) acc[p][q] = _mm256_setzero_ps();
      for (int64_t img = 0; img < images; ++img) {
        const float* ap[OB];
        const float* bp[RB];
        block_rows<OB, RB>(a, lda, b, img, m, n, o0, r0, ap, bp);
        for (int64_t t = 0; t < full; t += 8) dot_step<OB, RB, false>(ap, bp, t, tail, acc);
        if (full < len) dot_step<OB, RB, true>(ap, bp, full, tail, acc);
      }
      for (int p = 0; p < OB && o0 + p < m; ++p)
        for (int q = 0; q < RB && r0 + q < n; ++q) {
          const __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[p][q]), _mm256_extractf128_ps(acc[p][q], 1));
          const __m128 h2 = _mm_add_ps(h, _mm_movehl_ps(h, h));
          c[(o0 + p) * ldc + r0 + q] += _mm_cvtss_f32(_mm_add_ss(h2, _mm_shuffle_ps(h2, h2, 1)));
        }
    }
}

// GCC 12's avx512fintrin.h initialises its "undefined" vectors from
// themselves, which -W(maybe-)uninitialized reports once inlined here (GCC
// bug 105593): a false positive in a system header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// The same two kernels for AVX-512 CPUs: 16 floats per vector, so a strip
// of the small-A kernel is 32 columns (6 rows x 2 vectors: 12 of the 32
// registers) and a dot step covers 16 of t. Same loops, same order of
// operations per column as above; masks are __mmask16 instead of vectors.
template <int MR>
__attribute__((target("avx512f"))) inline void block_6x32(int64_t k, SmallA A, WideB b, WideC c, bool accumulate,
                                                          __mmask16 mask0, __mmask16 mask1) {
  __m512 acc0[MR], acc1[MR];
  for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
  for (int64_t kk = 0; kk < k; ++kk) {
    const float* brow = b.row(kk);
    const __m512 b0 = _mm512_maskz_loadu_ps(mask0, brow);
    const __m512 b1 = _mm512_maskz_loadu_ps(mask1, brow + 16);
    const float* acol = A.a + kk * A.cs;
    for (int r = 0; r < MR; ++r) {
      const __m512 av = _mm512_set1_ps(acol[r * A.rs]);
      acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
    }
  }
  for (int r = 0; r < MR; ++r) {  // row by row: rows given by pointers may overlap (see WideC)
    float* crow = c.row(r);
    if (accumulate) {
      acc0[r] = _mm512_add_ps(acc0[r], _mm512_maskz_loadu_ps(mask0, crow));
      acc1[r] = _mm512_add_ps(acc1[r], _mm512_maskz_loadu_ps(mask1, crow + 16));
    }
    _mm512_mask_storeu_ps(crow, mask0, acc0[r]);
    _mm512_mask_storeu_ps(crow + 16, mask1, acc1[r]);
  }
}

__attribute__((target("avx512f"))) void gemm_small_a_avx512(int64_t m, int64_t n, int64_t k, SmallA A, WideB b, WideC c,
                                                            bool accumulate) {
  for (int64_t j = 0; j < n; j += 32) {
    const int64_t cols = std::min<int64_t>(32, n - j);
    const __mmask16 mask0 = __mmask16(cols >= 16 ? 0xFFFF : (1u << cols) - 1);
    const __mmask16 mask1 = __mmask16(cols >= 32 ? 0xFFFF : cols > 16 ? (1u << (cols - 16)) - 1 : 0);
    b.col = c.col = j;
    for (int64_t i = 0; i < m; i += 6) {
      const SmallA Ai{A.a + i * A.rs, A.rs, A.cs};
      const WideC ci = c.from_row(i);
#define NABLA_BLOCK(MR) block_6x32<MR>(k, Ai, b, ci, accumulate, mask0, mask1)
      NABLA_ROW_BLOCK(m - i, NABLA_BLOCK);
#undef NABLA_BLOCK
    }
  }
}

template <int OB, int RB>
__attribute__((target("avx512f"))) void gemm_dot_blocks_avx512(int64_t m, int64_t n, int64_t len, int64_t images,
                                                               const float* const* a, int64_t lda,
                                                               const float* const* b, float* c, int64_t ldc) {
  for (int64_t o0 = 0; o0 < m; o0 += OB)
    for (int64_t r0 = 0; r0 < n; r0 += RB) {
      __m512 acc[OB][RB];
      for (int p = 0; p < OB; ++p)
        for (int q = 0; q < RB; ++q) acc[p][q] = _mm512_setzero_ps();
      for (int64_t img = 0; img < images; ++img) {
        const float* ap[OB];
        const float* bp[RB];
        block_rows<OB, RB>(a, lda, b, img, m, n, o0, r0, ap, bp);
        for (int64_t t = 0; t < len; t += 16) {
          const __mmask16 lanes = __mmask16(len - t >= 16 ? 0xFFFF : (1u << (len - t)) - 1);
          __m512 bv[RB];
          for (int q = 0; q < RB; ++q) bv[q] = _mm512_maskz_loadu_ps(lanes, bp[q] + t);
          for (int p = 0; p < OB; ++p) {
            const __m512 av = _mm512_maskz_loadu_ps(lanes, ap[p] + t);
            for (int q = 0; q < RB; ++q) acc[p][q] = _mm512_fmadd_ps(av, bv[q], acc[p][q]);
          }
        }
      }
      for (int p = 0; p < OB && o0 + p < m; ++p)
        for (int q = 0; q < RB && r0 + q < n; ++q) c[(o0 + p) * ldc + r0 + q] += _mm512_reduce_add_ps(acc[p][q]);
    }
}

#pragma GCC diagnostic pop

bool has_avx512f() {
  static const bool yes = [] {
    // NABLA_GEMM=avx2 or baseline: the tests' switches for the other paths (as in gemm.cpp).
    const char* forced = std::getenv("NABLA_GEMM");
    if (forced && (std::strcmp(forced, "avx2") == 0 || std::strcmp(forced, "baseline") == 0)) return false;
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return yes;
}

// The kernels for the CPU at hand (callers have checked has_avx2_fma()).
void gemm_small_a_simd(int64_t m, int64_t n, int64_t k, SmallA A, WideB b, WideC c, bool accumulate) {
  if (has_avx512f()) return gemm_small_a_avx512(m, n, k, A, b, c, accumulate);
  gemm_small_a_avx2(m, n, k, A, b, c, accumulate);
}

// Dot blocks of 6x2 when m is a multiple of 6 (LeNet's conv1: 6 filters),
// else 4x3.
void gemm_dot_simd(int64_t m, int64_t n, int64_t len, int64_t images, const float* const* a, int64_t lda,
                   const float* const* b, float* c, int64_t ldc) {
  const bool by_6 = m % 6 == 0;
  if (has_avx512f())
    return by_6 ? gemm_dot_blocks_avx512<6, 2>(m, n, len, images, a, lda, b, c, ldc)
                : gemm_dot_blocks_avx512<4, 3>(m, n, len, images, a, lda, b, c, ldc);
  by_6 ? gemm_dot_blocks<6, 2>(m, n, len, images, a, lda, b, c, ldc)
       : gemm_dot_blocks<4, 3>(m, n, len, images, a, lda, b, c, ldc);
}

bool has_avx2_fma() {
  static const bool yes = [] {
    // NABLA_GEMM=baseline: the tests' switch for the portable path (as in gemm.cpp).
    const char* forced = std::getenv("NABLA_GEMM");
    if (forced && std::strcmp(forced, "baseline") == 0) return false;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return yes;
}

#undef NABLA_ROW_BLOCK

#endif  // NABLA_CONV_AVX2

// C[m, n] (+)= A[m, k] · B[k, n] where A is a weight (a_colmajor: Wᵀ read in
// place) and B, C are wide row-major matrices: the small-A kernel above when
// it applies (float, AVX2 + FMA, A small enough to stay in cache), else gemm().
template <class T>
void gemm_small_a(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, bool a_colmajor, const T* b, int64_t ldb,
                  T* c, int64_t ldc, bool accumulate) {
#ifdef NABLA_CONV_AVX2
  if constexpr (std::is_same_v<T, float>) {
    if (k <= 1024 && m * k <= 65536 && has_avx2_fma()) {
      const SmallA A = a_colmajor ? SmallA{a, 1, lda} : SmallA{a, lda, 1};
      return gemm_small_a_simd(m, n, k, A, WideB{nullptr, b, ldb, 0}, WideC{nullptr, c, ldc, 0}, accumulate);
    }
  }
#endif
  gemm(GemmArgs<T>{m, n, k, a, lda, a_colmajor, b, ldb, false, c, ldc, accumulate});
}

// ---- batching -------------------------------------------------------------------------
// One GEMM per image is a poor shape for small images: LeNet's conv1 is
// [6 x 25] · [25 x 784] per image, and the GEMM repacks W and pays its
// set-up 64 times a batch. So the batch is cut into chunks of nb images
// whose im2col matrices sit side by side, col [rows, nb·L], and each chunk
// is one GEMM per group with n = nb·L. A chunk's col is kept near kChunkCol
// elements (~1 MiB of floats: it stays in L2 between im2col and the GEMM).
// The price is a [C, nb·L] <-> [nb, C, L] reshuffle of the GEMM's other
// operand (y or dy), a plain copy of far fewer elements than col.
constexpr int64_t kChunkCol = 1 << 18;

// Images per chunk; the chunks (parallel over threads when the work is
// worth a fork/join) all hold nb images but the last.
struct Chunks {
  int64_t count, size;
};

Chunks batch_chunks(const Conv2dGeometry& g, bool direct) {
  const int64_t L = g.out_h * g.out_w;
  const int64_t col_per_image = g.in_channels * g.kernel_h * g.kernel_w * L;
  const int64_t work = g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w * L;
  // Per-image GEMMs are already big enough (or col is x itself): as before.
  int64_t nb = direct ? 1 : std::max<int64_t>(1, std::min(g.batch, kChunkCol / std::max<int64_t>(1, col_per_image)));
  int64_t count = (g.batch + nb - 1) / nb;
  // With threads, at least one chunk per thread when the batch's work pays for a fork/join.
  const int64_t threads = in_parallel_region() ? 1 : num_threads();
  if (threads > 1 && work * g.batch >= kGrainSize && count < threads) count = std::min(g.batch, threads);
  // Equal chunks (a multiple of the thread count when there are more chunks than threads).
  if (threads > 1 && count > threads) count = (count + threads - 1) / threads * threads;
  count = std::min(count, g.batch);
  nb = (g.batch + count - 1) / count;
  return {(g.batch + nb - 1) / nb, nb};
}

// Calls f(n0, n1) for each chunk of images, over threads when worth it.
template <class F>
void for_each_chunk(const Conv2dGeometry& g, const Chunks& c, F f) {
  const int64_t L = g.out_h * g.out_w;
  const int64_t work = g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w * L * c.size;
  parallel_for(
      c.count,
      [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) f(t * c.size, std::min(g.batch, (t + 1) * c.size));
      },
      std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work)));
}

// y [nb, C, L] -> out [C, nb·L] (images side by side), and back with bias.
template <class T>
void batch_to_side_by_side(const T* y, int64_t nb, int64_t C, int64_t L, T* out) {
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t c = 0; c < C; ++c) std::copy(y + (n * C + c) * L, y + (n * C + c + 1) * L, out + c * nb * L + n * L);
}
template <class T>
void side_by_side_to_batch(const T* in, const T* b, int64_t nb, int64_t C, int64_t L, T* y) {
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const T* src = in + c * nb * L + n * L;
      T* dst = y + (n * C + c) * L;
      if (b) {
        const T bc = b[c];
        for (int64_t k = 0; k < L; ++k) dst[k] = src[k] + bc;
      } else {
        std::copy(src, src + L, dst);
      }
    }
}

template <class T>
void add_bias(T* planes, const T* b, int64_t channels, int64_t plane_size) {
  if (!b) return;
  for (int64_t c = 0; c < channels; ++c) {
    T* p = planes + c * plane_size;
    const T bc = b[c];
    for (int64_t k = 0; k < plane_size; ++k) p[k] += bc;
  }
}

// ---- the wide convolution (stride 1, float, AVX2 + FMA) ---------------------------------
// With stride 1, output pixel (oh, ow) of tap (i, j) reads input pixel
// (oh + i·dh, ow + j·dw) of the (zero-padded, Hp x Wp) image. Number the
// outputs on the input's grid instead, t = oh·Wp + ow: then tap (c, i, j)
// reads x_c[i·dh·Wp + j·dw + t], a contiguous slice of the image. So the
// im2col matrix is never built: its row (c, i, j) is that slice, read in
// place (WideB's row pointers). The price: the Wp - OW columns of each
// output row that fall off the image's right edge are computed and dropped
// (40% more work for LeNet's conv2, 14% for conv1), and padding is a
// padded copy of the image. With T = (OH - 1)·Wp + OW outputs per channel,
// the slices stay inside the image: i·dh·Wp + j·dw + T <= Hp·Wp.
//   conv2d:            y_wide [C_out, T] = W · slices;  y = y_wide without the dropped columns (+ b)
//   conv_transpose2d:  col [C_in·KH·KW, T] = Wᵀ · dy_wide (dropped columns 0);  dx_c[slice] += col row
//   conv2d_weight:     dW += dy_wide · slicesᵀ  (dropped columns 0, so they add nothing)
// One image at a time: the slices are per image, and every GEMM is already
// C x T with T in the hundreds.
#ifdef NABLA_CONV_AVX2

struct Wide {
  int64_t Hp, Wp, T, cin_g, cog, rows;
  bool padded;
};

bool wide_applies(const Conv2dGeometry& g) {
  if (!has_avx2_fma() || g.stride_h != 1 || g.stride_w != 1 || (g.kernel_h == 1 && g.kernel_w == 1)) return false;
  const int64_t Hp = g.in_h + 2 * g.pad_h, Wp = g.in_w + 2 * g.pad_w;
  // Exactly conv2d's output (conv_transpose2d's output_padding adds rows the slices do not cover).
  if (g.out_h != Hp - g.dilation_h * (g.kernel_h - 1) || g.out_w != Wp - g.dilation_w * (g.kernel_w - 1)) return false;
  const int64_t rows = (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
  // Not too much dropped work, and the weight small enough for the small-A kernel.
  return 2 * g.out_w >= Wp && rows <= 1024 && (g.out_channels / g.groups) * rows <= 65536;
}

Wide wide_shape(const Conv2dGeometry& g) {
  const int64_t Hp = g.in_h + 2 * g.pad_h, Wp = g.in_w + 2 * g.pad_w;
  const int64_t cin_g = g.in_channels / g.groups;
  return {Hp,
          Wp,
          (g.out_h - 1) * Wp + g.out_w,
          cin_g,
          g.out_channels / g.groups,
          cin_g * g.kernel_h * g.kernel_w,
          g.pad_h > 0 || g.pad_w > 0};
}

// The image x [C, H, W] in the Hp x Wp grid (zero border), or x itself.
const float* padded_image(const Conv2dGeometry& g, const Wide& s, const float* x, float* buf) {
  if (!s.padded) return x;
  std::fill(buf, buf + g.in_channels * s.Hp * s.Wp, 0.0f);
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t h = 0; h < g.in_h; ++h)
      std::copy(x + (c * g.in_h + h) * g.in_w, x + (c * g.in_h + h + 1) * g.in_w,
                buf + (c * s.Hp + h + g.pad_h) * s.Wp + g.pad_w);
  return buf;
}

// Row pointers of group k's slices: rows[(c·KH + i)·KW + j] = x_(k·cin_g + c) + i·dh·Wp + j·dw.
void slice_rows(const Conv2dGeometry& g, const Wide& s, const float* xp, int64_t k, const float** rows) {
  for (int64_t c = 0; c < s.cin_g; ++c)
    for (int64_t i = 0; i < g.kernel_h; ++i)
      for (int64_t j = 0; j < g.kernel_w; ++j)
        rows[(c * g.kernel_h + i) * g.kernel_w + j] =
            xp + (k * s.cin_g + c) * s.Hp * s.Wp + i * g.dilation_h * s.Wp + j * g.dilation_w;
}

// dy [C_out, OH, OW] -> dy_wide [C_out, T], the dropped columns 0.
void widen(const Conv2dGeometry& g, const Wide& s, const float* dy, float* out) {
  for (int64_t o = 0; o < g.out_channels; ++o)
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      float* dst = out + o * s.T + oh * s.Wp;
      std::copy(dy + (o * g.out_h + oh) * g.out_w, dy + (o * g.out_h + oh + 1) * g.out_w, dst);
      if (oh + 1 < g.out_h) std::fill(dst + g.out_w, dst + s.Wp, 0.0f);
    }
}

int64_t wide_grain(const Conv2dGeometry& g, const Wide& s) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, g.out_channels * s.rows * s.T));
}

void conv2d_wide(const Conv2dGeometry& g, float* y, const float* x, const float* w, const float* b) {
  const Wide s = wide_shape(g);
  const int64_t L = g.out_h * g.out_w;
  parallel_for(
      g.batch,
      [&](int64_t begin, int64_t end) {
        Scratch<float, 0> pad_buffer(s.padded ? g.in_channels * s.Hp * s.Wp : 0);
        Scratch<float, 1> out_buffer(g.out_channels * s.T);
        Scratch<const float*, 0> rows(s.rows);
        for (int64_t n = begin; n < end; ++n) {
          const float* xp = padded_image(g, s, x + n * g.in_channels * g.in_h * g.in_w, pad_buffer.get());
          float* out = out_buffer.get();
          for (int64_t k = 0; k < g.groups; ++k) {
            slice_rows(g, s, xp, k, rows.get());
            gemm_small_a_simd(s.cog, s.T, s.rows, SmallA{w + k * s.cog * s.rows, s.rows, 1},
                              WideB{rows.get(), nullptr, 0, 0}, WideC{nullptr, out + k * s.cog * s.T, s.T, 0}, false);
          }
          float* yn = y + n * g.out_channels * L;
          for (int64_t o = 0; o < g.out_channels; ++o) {
            const float bias = b ? b[o] : 0.0f;
            for (int64_t oh = 0; oh < g.out_h; ++oh) {
              const float* src = out + o * s.T + oh * s.Wp;
              float* dst = yn + (o * g.out_h + oh) * g.out_w;
              for (int64_t ow = 0; ow < g.out_w; ++ow) dst[ow] = src[ow] + bias;
            }
          }
        }
      },
      wide_grain(g, s));
}

void conv_transpose2d_wide(const Conv2dGeometry& g, float* x, const float* y, const float* w, const float* b) {
  const Wide s = wide_shape(g);
  const int64_t plane = g.in_h * g.in_w, L = g.out_h * g.out_w;
  parallel_for(
      g.batch,
      [&](int64_t begin, int64_t end) {
        Scratch<float, 0> pad_buffer(s.padded ? g.in_channels * s.Hp * s.Wp : 0);
        Scratch<float, 1> y_buffer(g.out_channels * s.T);
        Scratch<float*, 0> rows(s.rows);
        Scratch<float, 2> wt_buffer(s.rows * s.cog);
        for (int64_t n = begin; n < end; ++n) {
          widen(g, s, y + n * g.out_channels * L, y_buffer.get());
          float* xn = x + n * g.in_channels * plane;
          float* acc = s.padded ? pad_buffer.get() : xn;
          std::fill(acc, acc + g.in_channels * s.Hp * s.Wp, 0.0f);
          for (int64_t k = 0; k < g.groups; ++k) {
            // The slices of group k's channels, written through (the col
            // matrix is never stored), taken in (i, j, c) order: slices of
            // one channel overlap (shifted by a pixel or a row), and adding
            // into a row that overlaps the one just written stalls the CPU
            // (a load that a pending store only partly covers), so
            // consecutive rows are different channels. Wᵀ is reordered alike.
            float** r = rows.get();
            float* wt = wt_buffer.get();
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j)
                for (int64_t c = 0; c < s.cin_g; ++c) {
                  const int64_t rr = (i * g.kernel_w + j) * s.cin_g + c, col = (c * g.kernel_h + i) * g.kernel_w + j;
                  r[rr] = acc + (k * s.cin_g + c) * s.Hp * s.Wp + i * g.dilation_h * s.Wp + j * g.dilation_w;
                  for (int64_t o = 0; o < s.cog; ++o) wt[rr * s.cog + o] = w[(k * s.cog + o) * s.rows + col];
                }
            // slices_k [rows, T] += W_kᵀ [rows, cog] · y_k [cog, T]
            gemm_small_a_simd(s.rows, s.T, s.cog, SmallA{wt, s.cog, 1},
                              WideB{nullptr, y_buffer.get() + k * s.cog * s.T, s.T, 0}, WideC{r, nullptr, 0, 0}, true);
          }
          if (s.padded)
            for (int64_t c = 0; c < g.in_channels; ++c)
              for (int64_t h = 0; h < g.in_h; ++h) {
                const float* src = acc + (c * s.Hp + h + g.pad_h) * s.Wp + g.pad_w;
                std::copy(src, src + g.in_w, xn + (c * g.in_h + h) * g.in_w);
              }
          add_bias(xn, b, g.in_channels, plane);
        }
      },
      wide_grain(g, s));
}

void conv2d_weight_wide(const Conv2dGeometry& g, float* w, const float* x, const float* y) {
  const Wide s = wide_shape(g);
  const int64_t L = g.out_h * g.out_w, w_numel = g.out_channels * s.rows;
  const int64_t grain = wide_grain(g, s);
  const int64_t shares =
      in_parallel_region() || g.batch < 2 * grain ? 1 : std::min<int64_t>(g.batch / grain, num_threads());
  // Images per dot-kernel call: their widened dy and padded x (~128 KiB) stay in L2.
  const int64_t per_image = g.out_channels * s.T + (s.padded ? g.in_channels * s.Hp * s.Wp : 0);
  const int64_t nb = std::max<int64_t>(1, std::min<int64_t>(g.batch, 32768 / per_image));
  std::vector<std::vector<float>> partial(shares - 1, std::vector<float>(w_numel));
  parallel_for(
      shares,
      [&](int64_t share_begin, int64_t share_end) {
        Scratch<float, 0> pad_buffer(s.padded ? nb * g.in_channels * s.Hp * s.Wp : 0);
        Scratch<float, 1> y_buffer(nb * g.out_channels * s.T);
        Scratch<const float*, 0> rows(nb * s.rows);
        Scratch<const float*, 1> a_rows(nb);
        for (int64_t sh = share_begin; sh < share_end; ++sh) {
          float* acc = sh == 0 ? w : partial[sh - 1].data();
          std::fill(acc, acc + w_numel, 0.0f);
          const int64_t first = g.batch * sh / shares, last = g.batch * (sh + 1) / shares;
          for (int64_t n0 = first; n0 < last; n0 += nb) {
            const int64_t count = std::min(nb, last - n0);
            std::vector<const float*> xps(static_cast<size_t>(count));
            for (int64_t i = 0; i < count; ++i) {
              const int64_t n = n0 + i;
              xps[i] = padded_image(g, s, x + n * g.in_channels * g.in_h * g.in_w,
                                    pad_buffer.get() + (s.padded ? i * g.in_channels * s.Hp * s.Wp : 0));
              widen(g, s, y + n * g.out_channels * L, y_buffer.get() + i * g.out_channels * s.T);
            }
            for (int64_t k = 0; k < g.groups; ++k) {
              for (int64_t i = 0; i < count; ++i) {
                slice_rows(g, s, xps[i], k, rows.get() + i * s.rows);
                a_rows.get()[i] = y_buffer.get() + (i * g.out_channels + k * s.cog) * s.T;
              }
              // acc_k [cog, rows] += Σ_images y_k [cog, T] · slicesᵀ [T, rows]
              gemm_dot_simd(s.cog, s.rows, s.T, count, a_rows.get(), s.T, rows.get(), acc + k * s.cog * s.rows, s.rows);
            }
          }
        }
      },
      1);
  for (const auto& p : partial)
    for (int64_t k = 0; k < w_numel; ++k) w[k] += p[k];
}

#endif  // NABLA_CONV_AVX2

template <class T>
void conv2d_typed(const Conv2dGeometry& g, T* y, const T* x, const T* w, const T* b) {
#ifdef NABLA_CONV_AVX2
  if constexpr (std::is_same_v<T, float>)
    if (wide_applies(g)) return conv2d_wide(g, y, x, w, b);
#endif
  const int64_t G = g.groups, L = g.out_h * g.out_w, in_image = g.in_channels * g.in_h * g.in_w;
  const int64_t cog = g.out_channels / G, rows = (g.in_channels / G) * g.kernel_h * g.kernel_w;
  const bool direct = col_is_input(g);
  const Chunks chunks = batch_chunks(g, direct);
  for_each_chunk(g, chunks, [&](int64_t n0, int64_t n1) {
    const int64_t nb = n1 - n0, ld = nb * L;
    ColBuffer<T> col_buffer(direct ? 0 : G * rows * ld);
    OutBuffer<T> out_buffer(nb > 1 ? g.out_channels * ld : 0);
    const T* col = direct ? x + n0 * in_image : col_buffer.get();
    if (!direct)
      for (int64_t n = n0; n < n1; ++n) im2col(g, g.in_channels, x + n * in_image, col_buffer.get() + (n - n0) * L, ld);
    // One image: the GEMM writes y directly ([C_out, L] is its layout).
    T* out = nb > 1 ? out_buffer.get() : y + n0 * g.out_channels * L;
    for (int64_t k = 0; k < G; ++k)
      // out_k [cog, nb·L] = W_k [cog, rows] · col_k [rows, nb·L]
      gemm_small_a(cog, ld, rows, w + k * cog * rows, rows, false, col + k * rows * ld, ld, out + k * cog * ld, ld,
                   false);
    if (nb > 1)
      side_by_side_to_batch(out, b, nb, g.out_channels, L, y + n0 * g.out_channels * L);
    else
      add_bias(out, b, g.out_channels, L);
  });
}

template <class T>
void conv_transpose2d_typed(const Conv2dGeometry& g, T* x, const T* y, const T* w, const T* b) {
#ifdef NABLA_CONV_AVX2
  if constexpr (std::is_same_v<T, float>)
    if (wide_applies(g)) return conv_transpose2d_wide(g, x, y, w, b);
#endif
  const int64_t G = g.groups, L = g.out_h * g.out_w, plane = g.in_h * g.in_w;
  const int64_t cog = g.out_channels / G, rows = (g.in_channels / G) * g.kernel_h * g.kernel_w;
  const bool direct = col_is_input(g);
  const Chunks chunks = batch_chunks(g, direct);
  for_each_chunk(g, chunks, [&](int64_t n0, int64_t n1) {
    const int64_t nb = n1 - n0, ld = nb * L;
    ColBuffer<T> col_buffer(direct ? 0 : G * rows * ld);
    OutBuffer<T> y_buffer(nb > 1 ? g.out_channels * ld : 0);
    T* col = direct ? x + n0 * g.in_channels * plane : col_buffer.get();
    const T* ys = y + n0 * g.out_channels * L;
    if (nb > 1) {
      batch_to_side_by_side(ys, nb, g.out_channels, L, y_buffer.get());
      ys = y_buffer.get();
    }
    for (int64_t k = 0; k < G; ++k)
      // col_k [rows, nb·L] = W_kᵀ [rows, cog] · y_k [cog, nb·L]  (W_kᵀ: W_k read column-major)
      gemm_small_a(rows, ld, cog, w + k * cog * rows, rows, true, ys + k * cog * ld, ld, col + k * rows * ld, ld,
                   false);
    for (int64_t n = n0; n < n1; ++n) {
      T* xn = x + n * g.in_channels * plane;
      if (!direct) col2im(g, g.in_channels, col + (n - n0) * L, ld, xn);
      add_bias(xn, b, g.in_channels, plane);
    }
  });
}

// Each thread's share of the batch sums its W gradients into its own
// accumulator (the first into w itself); the accumulators are then added in
// order, so the result does not depend on thread timing. Within a share the
// images go in chunks of nb, one GEMM per chunk and group with k = nb·L.
template <class T>
void conv2d_weight_typed(const Conv2dGeometry& g, T* w, const T* x, const T* y) {
#ifdef NABLA_CONV_AVX2
  if constexpr (std::is_same_v<T, float>)
    if (wide_applies(g)) return conv2d_weight_wide(g, w, x, y);
#endif
  const int64_t G = g.groups, L = g.out_h * g.out_w, in_image = g.in_channels * g.in_h * g.in_w;
  const int64_t cog = g.out_channels / G, rows = (g.in_channels / G) * g.kernel_h * g.kernel_w;
  const int64_t w_numel = g.out_channels * rows;
  const bool direct = col_is_input(g);
  const Chunks chunks = batch_chunks(g, direct);
  const int64_t work = g.out_channels * rows * L * g.batch;
  const int64_t shares = in_parallel_region() || work < kGrainSize ? 1 : std::min<int64_t>(chunks.count, num_threads());
  std::vector<std::vector<T>> partial(shares - 1, std::vector<T>(w_numel));
  parallel_for(
      shares,
      [&](int64_t share_begin, int64_t share_end) {
        for (int64_t s = share_begin; s < share_end; ++s) {
          T* acc = s == 0 ? w : partial[s - 1].data();
          std::fill(acc, acc + w_numel, T(0));
          for (int64_t t = chunks.count * s / shares; t < chunks.count * (s + 1) / shares; ++t) {
            const int64_t n0 = t * chunks.size, n1 = std::min(g.batch, n0 + chunks.size);
            const int64_t nb = n1 - n0, ld = nb * L;
            ColBuffer<T> col_buffer(direct ? 0 : G * rows * ld);
            OutBuffer<T> y_buffer(nb > 1 ? g.out_channels * ld : 0);
            const T* col = direct ? x + n0 * in_image : col_buffer.get();
            if (!direct)
              for (int64_t n = n0; n < n1; ++n)
                im2col(g, g.in_channels, x + n * in_image, col_buffer.get() + (n - n0) * L, ld);
            const T* ys = y + n0 * g.out_channels * L;
            if (nb > 1) {
              batch_to_side_by_side(ys, nb, g.out_channels, L, y_buffer.get());
              ys = y_buffer.get();
            }
            for (int64_t k = 0; k < G; ++k)
              // acc_k [cog, rows] += y_k [cog, nb·L] · col_kᵀ [nb·L, rows]  (col_kᵀ: col_k read column-major)
              gemm(GemmArgs<T>{cog, rows, ld, ys + k * cog * ld, ld, false, col + k * rows * ld, ld, true,
                               acc + k * cog * rows, rows, true});
          }
        }
      },
      1);
  for (const auto& p : partial)
    for (int64_t k = 0; k < w_numel; ++k) w[k] += p[k];
}

template <class T>
const T* data_or_null(const View& v) {
  return static_cast<const T*>(v.data);
}

}  // namespace

void conv2d(const Conv2dGeometry& g, const View& y, const View& x, const View& w, const View& b) {
  NABLA_DISPATCH_FLOAT(
      y.dtype, T, "conv2d",
      conv2d_typed<T>(g, static_cast<T*>(y.data), data_or_null<T>(x), data_or_null<T>(w), data_or_null<T>(b)));
}

void conv_transpose2d(const Conv2dGeometry& g, const View& x, const View& y, const View& w, const View& b) {
  NABLA_DISPATCH_FLOAT(x.dtype, T, "conv_transpose2d",
                       conv_transpose2d_typed<T>(g, static_cast<T*>(x.data), data_or_null<T>(y), data_or_null<T>(w),
                                                 data_or_null<T>(b)));
}

void conv2d_weight(const Conv2dGeometry& g, const View& w, const View& x, const View& y) {
  NABLA_DISPATCH_FLOAT(w.dtype, T, "conv2d_weight",
                       conv2d_weight_typed<T>(g, static_cast<T*>(w.data), data_or_null<T>(x), data_or_null<T>(y)));
}

}  // namespace nabla::kernels::cpu
