// 2-D pooling on the CPU: every plane (one channel of one image) on its own,
// planes spread over threads. Windows follow PyTorch's CPU kernels exactly
// (aten/src/ATen/native/cpu/{MaxPoolKernel,AvgPoolKernel,AdaptiveAvgPoolKernel}.cpp),
// so divisors and argmax ties match.
#include <algorithm>
#include <cmath>
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

template <class T>
void max_pool2d_typed(const Pool2dGeometry& g, T* y, int64_t* indices, const T* x) {
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w;
  for_each_plane(g, OH * OW * g.kernel_h * g.kernel_w, [&](int64_t p) {
    const T* xp = x + p * H * W;
    T* yp = y + p * OH * OW;
    int64_t* ip = indices + p * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = oh * g.stride_h - g.pad_h;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = ow * g.stride_w - g.pad_w;
        T best = -std::numeric_limits<T>::infinity();
        int64_t arg = -1;
        for (int64_t a = 0; a < g.kernel_h; ++a) {
          const int64_t ih = h0 + a * g.dilation_h;
          if (ih < 0 || ih >= H) continue;
          for (int64_t b = 0; b < g.kernel_w; ++b) {
            const int64_t iw = w0 + b * g.dilation_w;
            if (iw < 0 || iw >= W) continue;
            const T v = xp[ih * W + iw];
            // The first valid position starts it (as PyTorch's initial index);
            // a NaN always wins, so NaN propagates.
            if (arg < 0 || v > best || std::isnan(v)) {
              best = v;
              arg = ih * W + iw;
            }
          }
        }
        yp[oh * OW + ow] = best;
        ip[oh * OW + ow] = arg;
      }
    }
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

#define NABLA_POOL_DISPATCH(dtype, op, ...)                                        \
  switch (dtype) {                                                                 \
    case DType::Float32: {                                                         \
      using T = float;                                                             \
      __VA_ARGS__;                                                                 \
      break;                                                                       \
    }                                                                              \
    case DType::Float64: {                                                         \
      using T = double;                                                            \
      __VA_ARGS__;                                                                 \
      break;                                                                       \
    }                                                                              \
    default:                                                                       \
      NABLA_CHECK(false, op, "needs float32 or float64, got ", dtype_name(dtype)); \
  }

void max_pool2d(const Pool2dGeometry& g, const View& y, const View& indices, const View& x) {
  NABLA_POOL_DISPATCH(y.dtype, "max_pool2d",
                      max_pool2d_typed<T>(g, static_cast<T*>(y.data), static_cast<int64_t*>(indices.data),
                                          static_cast<const T*>(x.data)));
}

void avg_pool2d(const Pool2dGeometry& g, const View& y, const View& x) {
  NABLA_POOL_DISPATCH(y.dtype, "avg_pool2d",
                      avg_pool2d_typed<T>(g, static_cast<T*>(y.data), static_cast<const T*>(x.data)));
}

void avg_pool2d_backward(const Pool2dGeometry& g, const View& dx, const View& dy) {
  NABLA_POOL_DISPATCH(dx.dtype, "avg_pool2d_backward",
                      avg_pool2d_backward_typed<T>(g, static_cast<T*>(dx.data), static_cast<const T*>(dy.data)));
}

}  // namespace nabla::kernels::cpu
