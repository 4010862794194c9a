// 2-D pooling on the CPU: every plane (one channel of one image) on its own,
// planes spread over threads. Windows follow PyTorch's CPU kernels exactly
// (aten/src/ATen/native/cpu/{MaxPoolKernel,AvgPoolKernel,AdaptiveAvgPoolKernel}.cpp),
// so divisors and argmax ties match.
#include <algorithm>
#include <limits>

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

template <class T>
void max_pool2d_typed(const Pool2dGeometry& g, T* y, int64_t* indices, const T* x) {
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
