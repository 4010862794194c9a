// 2-D pooling on the CPU: every plane (one channel of one image) on its own,
// planes spread over threads. Windows follow PyTorch's CPU kernels exactly
// (aten/src/ATen/native/cpu/{MaxPoolKernel,AvgPoolKernel,AdaptiveAvgPoolKernel}.cpp),
// so divisors and argmax ties match.
#include <algorithm>
#include <limits>
#include <type_traits>

#ifdef __SSE2__  // every x86-64 CPU: the baseline build has it
#include <emmintrin.h>
#endif

#include "cpu_kernels.h"
#include "parallel.h"

namespace nabla::kernels::cpu {
namespace {

// One axis of an average-pooling window: [start, end) clipped to the input,
// and the size the divisor counts.
struct Span {
  int64_t start, end, count;
};

// Output o's window along one axis of `in` positions (avg_pool2d, adaptive).
// count_include_pad: the window clipped to the padded input (ceil_mode's
// overhanging windows count only up to the padding), else to the input.
Span avg_span(const Pool2dGeometry& g, int64_t o, int64_t in, int64_t out, int64_t k, int64_t s, int64_t p) {
  if (g.adaptive) {
    int64_t start = o * in / out, end = ((o + 1) * in + out - 1) / out;
    return {start, end, end - start};
  }
  int64_t start = o * s - p, end = std::min(start + k, in + p);
  int64_t padded = end - start;
  start = std::max<int64_t>(start, 0);
  end = std::min(end, in);
  return {start, end, g.count_include_pad ? padded : end - start};
}

template <class F>
void for_each_plane(const Pool2dGeometry& g, int64_t work_per_plane, F f) {
  parallel_for(
      g.planes,
      [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) f(p);
      },
      std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_per_plane)));
}

// The taps a in [lo, hi) of a dilated window starting at `start` that land
// inside [0, in): start + a·d >= 0 and < in. Hoisting this out of the inner
// loops leaves them without bounds checks.
inline void tap_range(int64_t start, int64_t k, int64_t d, int64_t in, int64_t& lo, int64_t& hi) {
  if (start >= 0 && start + (k - 1) * d < in) {  // inside: the common case needs no division
    lo = 0;
    hi = k;
    return;
  }
  lo = start >= 0 ? 0 : (-start + d - 1) / d;
  hi = std::min(k, in - start <= 0 ? 0 : (in - start + d - 1) / d);
}

// Every window lies inside the input and its taps are adjacent (no
// padding, no dilation): the common case (MaxPool2d(2) in LeNet, VGG, ...).
bool windows_inside(const Pool2dGeometry& g) {
  return g.pad_h == 0 && g.pad_w == 0 && g.dilation_h == 1 && g.dilation_w == 1 &&
         (g.out_h - 1) * g.stride_h + g.kernel_h <= g.in_h && (g.out_w - 1) * g.stride_w + g.kernel_w <= g.in_w;
}

// One tap of a max search without NaNs: a larger value wins (ties keep the
// earlier tap). Integer masks and maxss rather than a branch: on random data
// "is it larger" is a coin flip that a branch predictor misses half the time
// (and the compiler turns a float ?: into exactly such a branch).
template <class T>
inline void max_tap(T v, int64_t i, T& best, int64_t& arg, bool& saw_nan) {
  arg += (i - arg) & -static_cast<int64_t>(v > best);
  best = std::max(best, v);
  saw_nan |= v != v;
}

// PyTorch's rule with NaNs: every NaN wins over what came before, so the
// last NaN of the window is kept. Rare, so a plain loop.
template <class T>
inline int64_t last_nan(const T* xp, int64_t start, int64_t W, int64_t KH, int64_t KW) {
  int64_t arg = start;
  for (int64_t a = 0; a < KH; ++a)
    for (int64_t b = 0; b < KW; ++b)
      if (xp[start + a * W + b] != xp[start + a * W + b]) arg = start + a * W + b;
  return arg;
}

#ifdef __SSE2__
// Four 2x2 stride-2 windows of float at once: outputs [ow, ow + 4) of the
// output row whose input rows are r0 and r1 (r1 = r0 + W); index0 is the
// plane index of r0[0]. The same comparison tree as the scalar loop below,
// with masks: the pair winners (even vs odd columns) then the row winners;
// ties keep the first. Returns whether any input was NaN (the caller redoes those windows).
inline bool max_pool_2x2_x4(const float* r0, const float* r1, int32_t index0, int32_t W, float* y, int64_t* idx) {
  const __m128 a0 = _mm_loadu_ps(r0), a1 = _mm_loadu_ps(r0 + 4), c0 = _mm_loadu_ps(r1), c1 = _mm_loadu_ps(r1 + 4);
  const __m128 v0 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)),
               v1 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));
  const __m128 v2 = _mm_shuffle_ps(c0, c1, _MM_SHUFFLE(2, 0, 2, 0)),
               v3 = _mm_shuffle_ps(c0, c1, _MM_SHUFFLE(3, 1, 3, 1));
  auto select = [](__m128 mask, __m128 a, __m128 b) { return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b)); };
  const __m128 k0 = _mm_cmpgt_ps(v1, v0), k1 = _mm_cmpgt_ps(v3, v2);
  const __m128 m0 = select(k0, v1, v0), m1 = select(k1, v3, v2);
  const __m128 k = _mm_cmpgt_ps(m1, m0);
  _mm_storeu_ps(y, select(k, m1, m0));
  const __m128i one = _mm_set1_epi32(1);
  const __m128i off0 = _mm_and_si128(_mm_castps_si128(k0), one);
  const __m128i off1 = _mm_add_epi32(_mm_set1_epi32(W), _mm_and_si128(_mm_castps_si128(k1), one));
  const __m128i ki = _mm_castps_si128(k);
  const __m128i off = _mm_or_si128(_mm_and_si128(ki, off1), _mm_andnot_si128(ki, off0));
  const __m128i i32 = _mm_add_epi32(off, _mm_add_epi32(_mm_set1_epi32(index0), _mm_setr_epi32(0, 2, 4, 6)));
  const __m128i zero = _mm_setzero_si128();  // indices are >= 0: widen with zeros
  _mm_storeu_si128(reinterpret_cast<__m128i*>(idx), _mm_unpacklo_epi32(i32, zero));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(idx + 2), _mm_unpackhi_epi32(i32, zero));
  const __m128 nan = _mm_or_ps(_mm_or_ps(_mm_cmpunord_ps(v0, v0), _mm_cmpunord_ps(v1, v1)),
                               _mm_or_ps(_mm_cmpunord_ps(v2, v2), _mm_cmpunord_ps(v3, v3)));
  return _mm_movemask_ps(nan) != 0;
}
#endif

// max_pool2d when windows_inside(g): no bounds to work out per window, and
// the 2x2 stride-2 window fully unrolled. Same results, ties and NaNs as the
// general loop below (the first tap starts the search).
template <class T>
void max_pool2d_inside(const Pool2dGeometry& g, T* y, int64_t* indices, const T* x) {
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w;
  const int64_t KH = g.kernel_h, KW = g.kernel_w, SH = g.stride_h, SW = g.stride_w;
  const bool two_by_two = KH == 2 && KW == 2 && SH == 2 && SW == 2;
  for_each_plane(g, OH * OW * KH * KW, [=](int64_t p) {
    const T* xp = x + p * H * W;
    T* yp = y + p * OH * OW;
    int64_t* ip = indices + p * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t row0 = oh * SH * W;
      T* yr = yp + oh * OW;
      int64_t* ir = ip + oh * OW;
      bool saw_nan = false;
      if (two_by_two) {
        const T* r0 = xp + row0;
        const T* r1 = r0 + W;
        // A tree of three comparisons (pairs, then the pair winners) keeps
        // the first of equal maxima just as the sequential search does, and
        // its index is arithmetic on the comparison bits, with no branches.
        int64_t ow = 0;
#ifdef __SSE2__
        if constexpr (std::is_same_v<T, float>)
          if (H * W < (int64_t(1) << 31))  // int32 indices inside the vector path
            for (; ow + 4 <= OW; ow += 4)
              saw_nan |= max_pool_2x2_x4(r0 + 2 * ow, r1 + 2 * ow, static_cast<int32_t>(row0 + 2 * ow),
                                         static_cast<int32_t>(W), yr + ow, ir + ow);
#endif
        for (; ow < OW; ++ow) {
          const T v0 = r0[2 * ow], v1 = r0[2 * ow + 1], v2 = r1[2 * ow], v3 = r1[2 * ow + 1];
          const int64_t k0 = v1 > v0, k1 = v3 > v2;
          const T m0 = std::max(v0, v1), m1 = std::max(v2, v3);
          const int64_t k = m1 > m0;
          yr[ow] = std::max(m0, m1);
          ir[ow] = row0 + 2 * ow + k * W + ((k1 & k) | (k0 & (1 - k)));
          saw_nan |= (v0 != v0) | (v1 != v1) | (v2 != v2) | (v3 != v3);
        }
      } else {
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t start = row0 + ow * SW;
          T best = xp[start];
          int64_t arg = start;
          saw_nan |= best != best;
          for (int64_t a = 0; a < KH; ++a)
            for (int64_t b = a == 0 ? 1 : 0; b < KW; ++b)
              max_tap(xp[start + a * W + b], start + a * W + b, best, arg, saw_nan);
          yr[ow] = best;
          ir[ow] = arg;
        }
      }
      if (saw_nan)  // redo this output row's windows that hold a NaN
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t arg = last_nan(xp, row0 + ow * SW, W, KH, KW);
          if (xp[arg] != xp[arg]) {
            yr[ow] = xp[arg];
            ir[ow] = arg;
          }
        }
    }
  });
}

template <class T>
void max_pool2d_typed(const Pool2dGeometry& g, T* y, int64_t* indices, const T* x) {
  if (windows_inside(g)) return max_pool2d_inside(g, y, indices, x);
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w;
  const int64_t dh = g.dilation_h, dw = g.dilation_w;
  for_each_plane(g, OH * OW * g.kernel_h * g.kernel_w, [&](int64_t p) {
    const T* xp = x + p * H * W;
    T* yp = y + p * OH * OW;
    int64_t* ip = indices + p * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = oh * g.stride_h - g.pad_h;
      int64_t a_lo, a_hi;
      tap_range(h0, g.kernel_h, dh, H, a_lo, a_hi);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = ow * g.stride_w - g.pad_w;
        int64_t b_lo, b_hi;
        tap_range(w0, g.kernel_w, dw, W, b_lo, b_hi);
        if (a_lo >= a_hi || b_lo >= b_hi) {  // all padding (only with dilation > input): no max, no gradient
          yp[oh * OW + ow] = -std::numeric_limits<T>::infinity();
          ip[oh * OW + ow] = -1;
          continue;
        }
        // The first tap inside the input starts the search (PyTorch's initial
        // index); a later tap wins only when larger, so ties keep the first.
        // Selects rather than a branch: on random data "is it larger" is a
        // coin flip that a branch predictor misses half the time.
        int64_t arg = (h0 + a_lo * dh) * W + w0 + b_lo * dw;
        T best = xp[arg];
        bool saw_nan = false;
        for (int64_t a = a_lo; a < a_hi; ++a) {
          const int64_t row = (h0 + a * dh) * W + w0;
          for (int64_t b = b_lo; b < b_hi; ++b) {
            const int64_t i = row + b * dw;
            const T v = xp[i];
            const bool larger = v > best;
            arg += (i - arg) & -static_cast<int64_t>(larger);  // arg = larger ? i : arg
            best = std::max(best, v);                          // maxss (NaN is handled below)
            saw_nan |= v != v;
          }
        }
        if (saw_nan) {  // rare: as in PyTorch every NaN wins over what came before, so the last one is kept
          for (int64_t a = a_lo; a < a_hi; ++a)
            for (int64_t b = b_lo; b < b_hi; ++b) {
              const int64_t i = (h0 + a * dh) * W + w0 + b * dw;
              if (xp[i] != xp[i]) arg = i;
            }
          best = xp[arg];
        }
        yp[oh * OW + ow] = best;
        ip[oh * OW + ow] = arg;
      }
    }
  });
}

// dx (zeroed) += dy at each window's argmax: windows may overlap (stride <
// kernel), so one input pixel can collect several dy.
template <class T>
void max_pool2d_backward_typed(const Pool2dGeometry& g, T* dx, const T* dy, const int64_t* indices) {
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  for_each_plane(g, in_plane + out_plane, [&](int64_t p) {
    T* dxp = dx + p * in_plane;
    const T* dyp = dy + p * out_plane;
    const int64_t* ip = indices + p * out_plane;
    std::fill(dxp, dxp + in_plane, T(0));
    for (int64_t o = 0; o < out_plane; ++o)
      if (ip[o] >= 0) dxp[ip[o]] += dyp[o];
  });
}

template <class T>
void avg_pool2d_typed(const Pool2dGeometry& g, T* y, const T* x) {
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w;
  for_each_plane(g, H * W + OH * OW, [&](int64_t p) {
    const T* xp = x + p * H * W;
    T* yp = y + p * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const Span sh = avg_span(g, oh, H, OH, g.kernel_h, g.stride_h, g.pad_h);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const Span sw = avg_span(g, ow, W, OW, g.kernel_w, g.stride_w, g.pad_w);
        T sum = 0;  // an empty window (only in degenerate geometry) gives 0, as PyTorch
        for (int64_t ih = sh.start; ih < sh.end; ++ih)
          for (int64_t iw = sw.start; iw < sw.end; ++iw) sum += xp[ih * W + iw];
        const int64_t count = sh.count * sw.count;
        yp[oh * OW + ow] = count > 0 ? sum / static_cast<T>(count) : T(0);
      }
    }
  });
}

template <class T>
void avg_pool2d_backward_typed(const Pool2dGeometry& g, T* dx, const T* dy) {
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w;
  for_each_plane(g, H * W + OH * OW, [&](int64_t p) {
    T* dxp = dx + p * H * W;
    const T* dyp = dy + p * OH * OW;
    std::fill(dxp, dxp + H * W, T(0));
    for (int64_t oh = 0; oh < OH; ++oh) {
      const Span sh = avg_span(g, oh, H, OH, g.kernel_h, g.stride_h, g.pad_h);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const Span sw = avg_span(g, ow, W, OW, g.kernel_w, g.stride_w, g.pad_w);
        const int64_t count = sh.count * sw.count;
        if (count == 0) continue;
        const T v = dyp[oh * OW + ow] / static_cast<T>(count);
        for (int64_t ih = sh.start; ih < sh.end; ++ih)
          for (int64_t iw = sw.start; iw < sw.end; ++iw) dxp[ih * W + iw] += v;
      }
    }
  });
}

}  // namespace

void max_pool2d(const Pool2dGeometry& g, const View& y, const View& indices, const View& x) {
  NABLA_DISPATCH_FLOAT(y.dtype, T, "max_pool2d",
                       max_pool2d_typed<T>(g, static_cast<T*>(y.data), static_cast<int64_t*>(indices.data),
                                           static_cast<const T*>(x.data)));
}

void max_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy, const View& indices) {
  NABLA_DISPATCH_FLOAT(dx.dtype, T, "max_pool2d_backward",
                       max_pool2d_backward_typed<T>(g, static_cast<T*>(dx.data), static_cast<const T*>(dy.data),
                                                    static_cast<const int64_t*>(indices.data)));
}

void avg_pool2d(const Pool2dGeometry& g, const View& y, const View& x) {
  NABLA_DISPATCH_FLOAT(y.dtype, T, "avg_pool2d",
                       avg_pool2d_typed<T>(g, static_cast<T*>(y.data), static_cast<const T*>(x.data)));
}

void avg_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy) {
  NABLA_DISPATCH_FLOAT(dx.dtype, T, "avg_pool2d_backward",
                       avg_pool2d_backward_typed<T>(g, static_cast<T*>(dx.data), static_cast<const T*>(dy.data)));
}

}  // namespace nabla::kernels::cpu
