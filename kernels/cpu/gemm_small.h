// Packing-free float GEMM for the small products of small models (AVX-512).
//
// A general GEMM (Eigen's, OpenBLAS's) first copies ("packs") blocks of A and
// B into buffers laid out for its micro-kernel, and zero-fills C before
// accumulating into it. That pays off when each packed element is reused
// many times; in a small MLP's step (32 x 784 . 784 x 128 and smaller) it
// is about a fifth of the GEMM time. These kernels read A and B where they
// lie and write each tile of C once, from registers:
//
//   gemm_by_broadcast: B row-major (contiguous along n). A tile of C is MR
//     rows x NV vectors of 16 columns; for each k, NV vectors of B's row k
//     are loaded and each A(i, k) is broadcast and multiplied into them.
//     A may be row- or column-major: it is only read a scalar at a time.
//     k goes in blocks of 64 so that the panel of B in use stays in L1.
//     (A linear layer's backward: dx = dz.W and dW = dzᵀ.x.)
//     When many of A's entries are zero - dz of a ReLU layer is zero
//     wherever the unit was off, half of them or more in a trained MLP -
//     the tiles skip the k where A is zero (gemm_skipping_zeros below).
//   gemm_dots: A row-major and B column-major, both contiguous along k -
//     the x.Wᵀ of a linear layer's forward with W [out, in]. A tile of C is
//     MR x NR dot products, each accumulated in one vector over k (16 at
//     a time, a masked load for the rest) and summed across at the end.
//
// gemm_small() says which products these take; the caller
// (gemm_avx512.cpp) sends the others to Eigen. Internal: include only from a
// translation unit compiled with -mavx512f.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "gemm.h"

// GCC 12's own avx512fintrin.h initialises its "undefined" vectors from
// themselves, which trips -Wuninitialized once inlined here (GCC bug 105593):
// a false positive in a system header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"

// Every loop over a tile's rows, columns or vectors is unrolled in full:
// only then does GCC keep the accumulator arrays in registers (otherwise it
// stores them to the stack on every k, and the kernels run 3x slower).
#define NABLA_UNROLL _Pragma("GCC unroll 16")

namespace nabla::kernels::cpu::detail {

// A product the compiler must round before it is added: this file is built
// into its own library (gemm_avx512.cpp) without -ffp-contract=off, and GCC
// would fuse mul and add intrinsics into one FMA, rounded once.
inline __m512 rounded_mul(__m512 a, __m512 b) {
  __m512 p = _mm512_mul_ps(a, b);
  asm("" : "+v"(p));
  return p;
}

// With g.sgd (gemm_sgd()), acc is the gradient of the parameter row at c:
// the step of optim.cpp's sgd_loop, the same operations in the same order
// (each product rounded, as there: libnabla is built with
// -ffp-contract=off), so the same bits.
template <int NV>
__attribute__((always_inline)) inline void sgd_row(const GemmSgd& s, float* p, const __m512 (&acc)[NV],
                                                   __mmask16 last) {
  float* buf = p + s.momentum_offset;
  const __m512 lr = _mm512_set1_ps(s.lr), sign = _mm512_set1_ps(s.sign), wd = _mm512_set1_ps(s.weight_decay);
  const __m512 momentum = _mm512_set1_ps(s.momentum), omd = _mm512_set1_ps(s.one_minus_dampening);
  if (s.plain()) {  // the common case, with none of the products by 1 nor a test per vector
    NABLA_UNROLL
    for (int v = 0; v < NV; ++v) {
      const __mmask16 m = v + 1 < NV ? __mmask16(0xFFFF) : last;
      const __m512 b = _mm512_add_ps(rounded_mul(_mm512_maskz_loadu_ps(m, buf + 16 * v), momentum), acc[v]);
      _mm512_mask_storeu_ps(buf + 16 * v, m, b);
      _mm512_mask_storeu_ps(p + 16 * v, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, p + 16 * v), rounded_mul(lr, b)));
    }
    return;
  }
  NABLA_UNROLL
  for (int v = 0; v < NV; ++v) {
    const __mmask16 m = v + 1 < NV ? __mmask16(0xFFFF) : last;
    const __m512 pv = _mm512_maskz_loadu_ps(m, p + 16 * v);
    __m512 d = rounded_mul(sign, acc[v]);
    if (s.weight_decay != 0.0f) d = _mm512_add_ps(d, rounded_mul(wd, pv));
    const __m512 b = _mm512_add_ps(rounded_mul(_mm512_maskz_loadu_ps(m, buf + 16 * v), momentum), rounded_mul(omd, d));
    _mm512_mask_storeu_ps(buf + 16 * v, m, b);
    d = s.nesterov ? _mm512_add_ps(d, rounded_mul(momentum, b)) : b;
    _mm512_mask_storeu_ps(p + 16 * v, m, _mm512_sub_ps(pv, rounded_mul(lr, d)));
  }
}

// With g.sgd: asks for the parameter and momentum rows at c that store_row
// will read when the next tile ends, so that their misses (in random row
// order under the zero-skipping pairs, and last touched a whole step ago)
// overlap this tile's FMAs instead of stalling the next one's end.
template <int NV>
__attribute__((always_inline)) inline void prefetch_row(const GemmArgs<float>& g, const float* c) {
  if (!g.sgd) return;
  NABLA_UNROLL
  for (int v = 0; v < NV; ++v) {
    _mm_prefetch(reinterpret_cast<const char*>(c + 16 * v), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + g.sgd->momentum_offset + 16 * v), _MM_HINT_T0);
  }
}

// One row of a broadcast tile's accumulators into C at c (added to what
// is there when g.accumulate), the last vector masked to `last`; or, with
// g.sgd, the parameter's update.
template <int NV>
__attribute__((always_inline)) inline void store_row(const GemmArgs<float>& g, float* c, const __m512 (&acc)[NV],
                                                     __mmask16 last) {
  if (g.sgd) return sgd_row<NV>(*g.sgd, c, acc, last);
  NABLA_UNROLL
  for (int v = 0; v < NV; ++v) {
    const __mmask16 m = v + 1 < NV ? __mmask16(0xFFFF) : last;
    __m512 out = acc[v];
    if (g.accumulate) out = _mm512_add_ps(out, _mm512_maskz_loadu_ps(m, c + 16 * v));
    _mm512_mask_storeu_ps(c + 16 * v, m, out);
  }
}

// C tile [i0, i0+MR) x [j0, j0 + 16*NV), the last vector masked to `last`.
template <int MR, int NV>
void tile_by_broadcast(const GemmArgs<float>& g, int64_t i0, int64_t j0, __mmask16 last) {
  __m512 acc[MR][NV];
  NABLA_UNROLL
  for (int i = 0; i < MR; ++i) {
    NABLA_UNROLL
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  if (i0 + 2 * MR <= g.m) {
    NABLA_UNROLL
    for (int i = 0; i < MR; ++i) prefetch_row<NV>(g, g.c + (i0 + MR + i) * g.ldc + j0);
  }
  // A(i, k) = a[i * a_row + k * a_col] in either storage order.
  const int64_t a_row = g.a_colmajor ? 1 : g.lda, a_col = g.a_colmajor ? g.lda : 1;
  const float* a = g.a + i0 * a_row;
  const float* b = g.b + j0;
  for (int64_t k = 0; k < g.k; ++k, a += a_col, b += g.ldb) {
    __m512 bv[NV];
    NABLA_UNROLL
    for (int v = 0; v + 1 < NV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
    bv[NV - 1] = _mm512_maskz_loadu_ps(last, b + 16 * (NV - 1));
    NABLA_UNROLL
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i * a_row]);
      NABLA_UNROLL
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
  NABLA_UNROLL
  for (int i = 0; i < MR; ++i) store_row<NV>(g, g.c + (i0 + i) * g.ldc + j0, acc[i], last);
}

// Sums each of v[0..7] across its 16 lanes: lane j of the result (j < 8)
// holds the sum of v[j]. Pairwise, halving the width each round, so 8 sums
// cost 24 shuffles and adds instead of 8 x 8 for one reduction at a time.
inline __m512 sum_lanes_8(const __m512 (&v)[8]) {
  // Round 1: each pair's 512-bit halves added -> 4 vectors of 2 x 8 partials.
  __m512 h[4];
  NABLA_UNROLL
  for (int p = 0; p < 4; ++p)
    h[p] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0x44),
                         _mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0xEE));
  // Round 2: 128-bit blocks -> [v0 v1 v2 v3] and [v4 v5 v6 v7], 4 partials each.
  const __m512 q0 = _mm512_add_ps(_mm512_shuffle_f32x4(h[0], h[1], 0x88), _mm512_shuffle_f32x4(h[0], h[1], 0xDD));
  const __m512 q1 = _mm512_add_ps(_mm512_shuffle_f32x4(h[2], h[3], 0x88), _mm512_shuffle_f32x4(h[2], h[3], 0xDD));
  // Round 3: within each block -> [vj, vj, vj+4, vj+4] as 2 partials each.
  const __m512 r = _mm512_add_ps(_mm512_shuffle_ps(q0, q1, 0x44), _mm512_shuffle_ps(q0, q1, 0xEE));
  // Round 4: block j holds the sum of vj in lane 0 and of vj+4 in lane 2.
  const __m512 s = _mm512_add_ps(r, _mm512_shuffle_ps(r, r, 0xB1));
  return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 2, 6, 10, 14, 0, 0, 0, 0, 0, 0, 0, 0), s);
}

// C tile [i0, i0+MR) x [j0, j0+NR) of dot products along k, NR <= 8.
template <int MR, int NR>
void tile_dots(const GemmArgs<float>& g, int64_t i0, int64_t j0) {
  __m512 acc[MR][8];
  NABLA_UNROLL
  for (int i = 0; i < MR; ++i) {
    NABLA_UNROLL
    for (int j = 0; j < 8; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  const float* a = g.a + i0 * g.lda;  // row i0 of A
  const float* b = g.b + j0 * g.ldb;  // column j0 of B
  int64_t k = 0;
  // One step: MR vectors of A's rows live in registers, B's columns stream
  // through one register each, so MR x NR + MR + 1 <= 32.
  auto step = [&](auto load) {
    __m512 av[MR];
    NABLA_UNROLL
    for (int i = 0; i < MR; ++i) av[i] = load(a + i * g.lda + k);
    NABLA_UNROLL
    for (int j = 0; j < NR; ++j) {
      __m512 bj = load(b + j * g.ldb + k);
      // Without this GCC folds the load into each of the MR FMAs below
      // (MR loads instead of one), and the loop becomes load-bound.
      asm("" : "+v"(bj));
      NABLA_UNROLL
      for (int i = 0; i < MR; ++i) acc[i][j] = _mm512_fmadd_ps(av[i], bj, acc[i][j]);
    }
  };
  for (; k + 16 <= g.k; k += 16) step([](const float* p) { return _mm512_loadu_ps(p); });
  if (k < g.k) {
    const __mmask16 rest = __mmask16((1u << (g.k - k)) - 1);
    step([rest](const float* p) { return _mm512_maskz_loadu_ps(rest, p); });
  }
  const __mmask16 cols = __mmask16((1u << NR) - 1);
  NABLA_UNROLL
  for (int i = 0; i < MR; ++i) {
    float* c = g.c + (i0 + i) * g.ldc + j0;
    __m512 sums = sum_lanes_8(acc[i]);
    if (g.accumulate) sums = _mm512_add_ps(sums, _mm512_maskz_loadu_ps(cols, c));
    _mm512_mask_storeu_ps(c, cols, sums);
  }
}

// Calls f(std::integral_constant<int, N>) for the runtime n in [1, Max].
template <int Max, class F>
void with_count(int64_t n, F f) {
  if constexpr (Max >= 1) {
    if (n == Max) return f(std::integral_constant<int, Max>());
    with_count<Max - 1>(n, f);
  }
}

constexpr int kBroadcastRows = 6;     // MR: 6 x 4 accumulators + 4 of B + 1 of A
constexpr int kBroadcastVectors = 4;  // NV: 64 columns
// k per block: a panel of B (64 x 64 floats, 16 KiB) stays in L1, and one
// bit per k of the block fits the uint64_t masks of the zero-skipping tiles.
constexpr int64_t kBroadcastDepth = 64;
static_assert(kBroadcastDepth <= 64, "a k block must fit the 64 bits of a zero-skipping mask");
// Dot tiles of 4 x 6: 24 accumulators + 4 rows of A + 1 column of B in
// registers (1.2-1.4x faster than 3 x 8 tiles on x.Wᵀ at batch 32).
constexpr int kDotRows = 4, kDotCols = 6;

// The products of one block of k (rows [k0, k0 + kc) of B), all of C.
inline void gemm_by_broadcast_block(const GemmArgs<float>& g) {
  constexpr int64_t panel = 16 * kBroadcastVectors;
  // Column panels outside, so a panel of B (kc x 64) stays in L1 while every
  // row tile of A passes over it.
  for (int64_t j0 = 0; j0 < g.n; j0 += panel) {
    const int64_t cols = std::min(panel, g.n - j0);
    const int64_t vectors = (cols + 15) / 16, tail = cols - 16 * (vectors - 1);
    const __mmask16 last = __mmask16((1u << tail) - 1);
    with_count<kBroadcastVectors>(vectors, [&](auto nv) {
      int64_t i0 = 0;
      for (; i0 + kBroadcastRows <= g.m; i0 += kBroadcastRows)
        tile_by_broadcast<kBroadcastRows, decltype(nv)::value>(g, i0, j0, last);
      with_count<kBroadcastRows - 1>(
          g.m - i0, [&](auto mr) { tile_by_broadcast<decltype(mr)::value, decltype(nv)::value>(g, i0, j0, last); });
    });
  }
}

// ---- Skipping A's zeros --------------------------------------------------
//
// dW = dzᵀ·x of a ReLU layer: dz is zero wherever the unit was off (in the
// benchmark MLP's first layer, 49% of dz at the start of training and 65%
// after 3 epochs), and each zero A(i, k) multiplies a whole row of x into
// C's row i for nothing. The tiles below step only through the k where A
// is non-zero, found from a bitmask per row of A (bit k set where
// A(i, k) != 0).
//
// A tile is 2 rows x 8 vectors and steps through the k where either row is
// non-zero (the union of their masks), so each row of B loaded feeds 16
// FMAs, as in the dense tiles; a row that is zero at such a k multiplies a
// zero, as the dense tiles would. (Tiles of one row, stepping through that
// row's k alone, skip more but load a vector of B per FMA: ~1.4x slower
// per FMA, so no faster than the pairs at 55-65% zeros and far slower with
// few. Choosing per pair between the two gained nothing.) With zeros at
// random places in the benchmark MLP's dW (128 x 784 x 32), the pairs take
// 0.85x the dense tiles' time at 45% zeros, 0.75x at 55% and 0.6x at 65%.
// On the real dz of its third epoch, with pairs of similar rows (as
// pair_rows below once chose them): 20.5 µs a product against 31 µs dense;
// in its training step, the backward went from ~41 to ~31 µs.
//
// The tiles also skip the k where B's row is all zeros across the panel: in
// dW = dzᵀ·x, a patch of an image's background (4 rows of pixels: 10% of a
// Fashion-MNIST batch's row panels), found by the pass that checks the
// panel for infinities. The step of the benchmark MLP: ~1.5% faster.
//
// Same result, bit for bit but for the sign of a zero: the skipped steps
// would have added 0 · B(k, j), which leaves a sum unchanged - unless B(k, j)
// is infinite or NaN, where the product is NaN; a panel of B (128 columns
// of a k block) with such a value is multiplied by the dense tiles. The
// non-zero steps are added in the same order, in k blocks of the same size.

constexpr int kSkipVectors = 8;       // NV of a pair tile: 2 x 8 accumulators + 8 of B + 2 of A
constexpr int64_t kSkipRows = 256;    // rows of A whose masks are held at once (on the stack)
constexpr int64_t kSkipMinCols = 32;  // below this n, finding the zeros costs more than skipping them saves

// masks[i]: bit k set where A(i, k) != 0, for the m <= kSkipRows rows and
// k < g.k <= 64 of g.
inline void nonzero_masks(const GemmArgs<float>& g, uint64_t* masks) {
  const __m512 zero = _mm512_setzero_ps();
  if (!g.a_colmajor) {  // a row of A is contiguous: 16 of its k per compare
    for (int64_t i = 0; i < g.m; ++i) {
      const float* a = g.a + i * g.lda;
      uint64_t m = 0;
      for (int64_t k = 0; k < g.k; k += 16) {
        const __mmask16 valid = g.k - k >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (g.k - k)) - 1);
        m |= uint64_t(_mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(valid, a + k), zero, _CMP_NEQ_UQ)) << k;
      }
      masks[i] = m;
    }
    return;
  }
  // A column-major (dzᵀ): 8 rows are contiguous at each k; lane r of `bits`
  // gathers row i + r's mask, one k at a time.
  int64_t i = 0;
  for (; i + 8 <= g.m; i += 8) {
    __m512i bits = _mm512_setzero_si512();
    const float* a = g.a + i;
    for (int64_t k = 0; k < g.k; ++k, a += g.lda) {
      const __mmask8 nz = _mm256_cmp_ps_mask(_mm256_loadu_ps(a), _mm512_castps512_ps256(zero), _CMP_NEQ_UQ);
      bits = _mm512_mask_or_epi64(bits, nz, bits, _mm512_set1_epi64(int64_t(1) << k));
    }
    _mm512_storeu_si512(masks + i, bits);
  }
  for (; i < g.m; ++i) {
    uint64_t m = 0;
    for (int64_t k = 0; k < g.k; ++k) m |= uint64_t(g.a[i + k * g.lda] != 0.0f) << k;
    masks[i] = m;
  }
}

// Whether every entry of B's rows [0, g.k), columns [0, g.n) is finite; and
// in *nonzero, bit k set where row k has a non-zero there (any bit set: -0
// counts, which only keeps a step the tiles could have skipped).
inline bool finite_with_nonzero_rows(const GemmArgs<float>& g, uint64_t* nonzero) {
  constexpr int kNanOrInf = 0x01 | 0x08 | 0x10 | 0x80;  // fpclass: quiet NaN, +inf, -inf, signalling NaN
  __mmask16 bad = 0;
  uint64_t rows = 0;
  for (int64_t k = 0; k < g.k; ++k) {
    const float* b = g.b + k * g.ldb;
    __mmask16 any = 0;
    int64_t j = 0;
    for (; j + 16 <= g.n; j += 16) {
      const __m512 v = _mm512_loadu_ps(b + j);
      bad |= _mm512_fpclass_ps_mask(v, kNanOrInf);
      any |= _mm512_test_epi32_mask(_mm512_castps_si512(v), _mm512_castps_si512(v));
    }
    if (j < g.n) {
      const __m512 v = _mm512_maskz_loadu_ps(__mmask16((1u << (g.n - j)) - 1), b + j);
      bad |= _mm512_fpclass_ps_mask(v, kNanOrInf);
      any |= _mm512_test_epi32_mask(_mm512_castps_si512(v), _mm512_castps_si512(v));
    }
    rows |= uint64_t(any != 0) << k;
  }
  *nonzero = rows;
  return bad == 0;
}

// C rows rows[0..MR) x columns [j0, j0 + 16*NV), stepping through the k
// whose bits are set in `steps` (the last vector masked to `last`).
// next: the rows of the tile to come (2, or none), for prefetch_row.
template <int MR, int NV>
void tile_skipping(const GemmArgs<float>& g, const int64_t* rows, int64_t j0, __mmask16 last, uint64_t steps,
                   const int64_t* next) {
  __m512 acc[MR][NV];
  NABLA_UNROLL
  for (int r = 0; r < MR; ++r) {
    NABLA_UNROLL
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  const int64_t a_row = g.a_colmajor ? 1 : g.lda, a_col = g.a_colmajor ? g.lda : 1;
  const float* a[MR];
  NABLA_UNROLL
  for (int r = 0; r < MR; ++r) a[r] = g.a + rows[r] * a_row;
  if (next) {
    prefetch_row<NV>(g, g.c + next[0] * g.ldc + j0);
    prefetch_row<NV>(g, g.c + next[1] * g.ldc + j0);
  }
  const float* b = g.b + j0;
  while (steps) {
    const int64_t k = __builtin_ctzll(steps);
    steps &= steps - 1;
    const float* bk = b + k * g.ldb;
    __m512 bv[NV];
    NABLA_UNROLL
    for (int v = 0; v < NV; ++v) {
      bv[v] = v + 1 < NV ? _mm512_loadu_ps(bk + 16 * v) : _mm512_maskz_loadu_ps(last, bk + 16 * v);
      asm("" : "+v"(bv[v]));  // one load per vector, not one per FMA (see tile_dots)
    }
    NABLA_UNROLL
    for (int r = 0; r < MR; ++r) {
      const __m512 ar = _mm512_set1_ps(a[r][k * a_col]);
      NABLA_UNROLL
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(ar, bv[v], acc[r][v]);
    }
  }
  NABLA_UNROLL
  for (int r = 0; r < MR; ++r) store_row<NV>(g, g.c + rows[r] * g.ldc + j0, acc[r], last);
}

// The order in which gemm_skipping_zeros pairs A's rows - order[0] with
// order[1], order[2] with order[3], ... - so that each pair's union of
// non-zeros, the k its tile steps through, is small: the rows sorted by
// their count of non-zeros (a counting sort), so that mostly-zero rows
// (units that were rarely on) meet. On 38 batches of the benchmark MLP's dW
// in its third epoch, the pairs step through 0.52 of the dense tiles' k
// steps, against 0.58 with rows paired as they come. Choosing each row's
// partner among the next 8 by the smallest union got that to 0.445 and the
// product alone to 20.5 µs from 22, but in the training step it cost more
// than it saved: the step ran 2-3% faster with the sort alone (in-process
// A/B over 3 epochs), and 1-1.5% faster with it than with partners chosen
// among the next 2 or 4 - the choice's branches mispredict, and the tiles
// spend much of their time on the update's memory traffic, which the
// pairing does not change.
inline void pair_rows(const uint64_t* masks, int64_t m, int64_t* order) {
  int64_t start[66] = {0};
  for (int64_t i = 0; i < m; ++i) ++start[__builtin_popcountll(masks[i]) + 1];
  for (int c = 1; c < 66; ++c) start[c] += start[c - 1];
  for (int64_t i = 0; i < m; ++i) order[start[__builtin_popcountll(masks[i])]++] = i;
}

// Rows [0, g.m <= kSkipRows) of one k block (g.k <= 64) by the pair tiles,
// when they pay: returns false, having written nothing, when A has too few
// zeros there (the pairs would step through more than 7/8 of the k).
inline bool gemm_skipping_zeros(const GemmArgs<float>& g) {
  uint64_t masks[kSkipRows];
  nonzero_masks(g, masks);
  // A pair steps through at least the non-zeros of its fuller row, so more
  // than 7/8 non-zeros overall rule the pairs out before pairing them.
  int64_t nonzeros = 0;
  for (int64_t i = 0; i < g.m; ++i) nonzeros += __builtin_popcountll(masks[i]);
  if (8 * nonzeros > 7 * g.m * g.k) return false;
  int64_t order[kSkipRows];
  pair_rows(masks, g.m, order);
  int64_t steps = 0;
  for (int64_t i = 0; i < g.m; i += 2)
    steps += __builtin_popcountll(masks[order[i]] | (i + 1 < g.m ? masks[order[i + 1]] : 0));
  if (8 * steps > 7 * ((g.m + 1) / 2) * g.k) return false;
  // Panels of B (up to 64 x 128) that stay in L1 for every row, of equal
  // width: a narrow last one would pay a whole panel's loop overhead per
  // step for a few FMAs (784 columns: 7 panels of 7 vectors, not 6 of 8
  // and 1 of 1, which took ~10% of the product's time).
  const int64_t all_vectors = (g.n + 15) / 16, panels = (all_vectors + kSkipVectors - 1) / kSkipVectors;
  const int64_t width = 16 * ((all_vectors + panels - 1) / panels);
  for (int64_t j0 = 0; j0 < g.n; j0 += width) {
    GemmArgs<float> cols = g;
    cols.n = std::min(width, g.n - j0);
    cols.b = g.b + j0;
    cols.c = g.c + j0;
    // The check reads the panel into L1, where the tiles then find it. A
    // row of the panel that is all zeros (a patch of an image's background,
    // in x) adds nothing to any row of C: the tiles skip it too.
    uint64_t b_rows = 0;
    if (!finite_with_nonzero_rows(cols, &b_rows)) {
      gemm_by_broadcast_block(cols);
      continue;
    }
    const int64_t vectors = (cols.n + 15) / 16, tail = cols.n - 16 * (vectors - 1);
    const __mmask16 last = __mmask16((1u << tail) - 1);
    with_count<kSkipVectors>(vectors, [&](auto nv) {
      constexpr int NV = decltype(nv)::value;
      int64_t i = 0;
      for (; i + 2 <= g.m; i += 2)
        tile_skipping<2, NV>(cols, order + i, 0, last, (masks[order[i]] | masks[order[i + 1]]) & b_rows,
                             i + 4 <= g.m ? order + i + 2 : nullptr);
      if (i < g.m) tile_skipping<1, NV>(cols, order + i, 0, last, masks[order[i]] & b_rows, nullptr);
    });
  }
  return true;
}

// One k block (g.k <= kBroadcastDepth): rows in groups of kSkipRows, each
// by the zero-skipping tiles where they pay, else by the dense ones.
inline void broadcast_k_block(const GemmArgs<float>& g) {
  if (g.n < kSkipMinCols) return gemm_by_broadcast_block(g);
  const int64_t a_row = g.a_colmajor ? 1 : g.lda;
  for (int64_t i0 = 0; i0 < g.m; i0 += kSkipRows) {
    GemmArgs<float> rows = g;
    rows.m = std::min(kSkipRows, g.m - i0);
    rows.a = g.a + i0 * a_row;
    rows.c = g.c + i0 * g.ldc;
    if (!gemm_skipping_zeros(rows)) gemm_by_broadcast_block(rows);
  }
}

inline void gemm_by_broadcast(const GemmArgs<float>& g) {
  // k in blocks of kBroadcastDepth, each block added to C.
  const int64_t a_col = g.a_colmajor ? g.lda : 1;
  for (int64_t k0 = 0; k0 < g.k; k0 += kBroadcastDepth) {
    GemmArgs<float> block = g;
    block.k = std::min(kBroadcastDepth, g.k - k0);
    block.a = g.a + k0 * a_col;
    block.b = g.b + k0 * g.ldb;
    block.accumulate = g.accumulate || k0 > 0;
    broadcast_k_block(block);
  }
}

// Every row tile of the column tile [j0, j0 + NR).
template <int NR>
void dots_column(const GemmArgs<float>& g, int64_t j0) {
  int64_t i0 = 0;
  for (; i0 + kDotRows <= g.m; i0 += kDotRows) tile_dots<kDotRows, NR>(g, i0, j0);
  with_count<kDotRows - 1>(g.m - i0, [&](auto mr) { tile_dots<decltype(mr)::value, NR>(g, i0, j0); });
}

inline void gemm_dots(const GemmArgs<float>& g) {
  static_assert(kDotCols == 6, "the narrow tiles below assume tiles of 6 columns");
  // A last tile of 1 or 2 columns loads nearly as much per FMA as a whole
  // tile of A's rows for a third of the work: n = 6a + 1 or 6a + 2 goes as
  // tiles of 6 and five or four tiles of 5 instead (x.Wᵀ of 32 x 784 x 128:
  // 33.5 -> 32.9 µs).
  const int64_t narrow = g.n % kDotCols == 1 ? 5 : g.n % kDotCols == 2 ? 4 : 0;
  int64_t j0 = 0;
  if (narrow > 0 && g.n >= 5 * narrow + kDotCols) {
    for (; j0 + kDotCols <= g.n - 5 * narrow; j0 += kDotCols) dots_column<kDotCols>(g, j0);
    for (; j0 < g.n; j0 += 5) dots_column<5>(g, j0);
    return;
  }
  for (; j0 + kDotCols <= g.n; j0 += kDotCols) dots_column<kDotCols>(g, j0);
  with_count<kDotCols - 1>(g.n - j0, [&](auto nr) { dots_column<decltype(nr)::value>(g, j0); });
}

// Which products these kernels take: the ones where they beat Eigen's
// AVX-512 GEMM, measured with both on 10 x 64 x 32 up to 1024 x 1024 x 1024
// shapes (tile per call, hot caches). Broadcast tiles win whenever B is
// row-major up to about 8M multiply-adds (1.0-2.6x; the backward products
// of small layers, dW = dzᵀ.x with k = batch). Dot tiles win for short A
// (m <= 32: 1.1-2.0x, the forward x.Wᵀ at batch 32) and lose from m = 48 on,
// where Eigen's packed panels of B are reused often enough to pay.
constexpr double kSmallMaxWork = 8.0 * 1024 * 1024;
constexpr double kDotsMaxWork = 16.0 * 1024 * 1024;
constexpr int64_t kDotsMaxRows = 32;

// Whether gemm_small() takes g with the broadcast tiles in one block of k,
// so that every tile holds its part of the finished product: what the step
// of gemm_sgd() needs.
inline bool broadcast_in_one_block(const GemmArgs<float>& g) {
  const double work = double(g.m) * double(g.n) * double(g.k);
  return g.m > 0 && g.n > 0 && g.k > 0 && g.k <= kBroadcastDepth && !g.b_colmajor && !g.accumulate &&
         work <= kSmallMaxWork;
}

// Runs the product and returns true when it is one these kernels take.
inline bool gemm_small(const GemmArgs<float>& g) {
  if (g.m == 0 || g.n == 0 || g.k == 0) return false;
  const double work = double(g.m) * double(g.n) * double(g.k);
  if (!g.b_colmajor && work <= kSmallMaxWork) return gemm_by_broadcast(g), true;
  if (g.b_colmajor && !g.a_colmajor && g.m <= kDotsMaxRows && work <= kDotsMaxWork) return gemm_dots(g), true;
  return false;
}

}  // namespace nabla::kernels::cpu::detail

#undef NABLA_UNROLL
#pragma GCC diagnostic pop
