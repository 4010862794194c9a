// Convolution on the CPU: im2col + GEMM (Caffe's scheme, and PyTorch's
// slow_conv2d), one image at a time.
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
//
// Images are spread over OpenMP threads, each with its own col buffer
// (O(C·K²·OH·OW) memory per thread, not per batch). Inside a parallel region
// Eigen's GEMM runs serially; a single big image gets Eigen's own threads.
#include <algorithm>
#include <vector>

#include "cpu_kernels.h"
#include "gemm.h"
#include "parallel.h"

namespace nabla::kernels::cpu {
namespace {

// The im2col buffer of one thread, kept between calls (it only grows), so a
// training loop's steady-state steps make no system allocations.
template <class T>
class ColBuffer {
 public:
  explicit ColBuffer(int64_t n) {
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
// Shared by im2col and col2im so that the two are exact adjoints.
template <class XPtr, class ColPtr, class F>
void for_each_tap(const Conv2dGeometry& g, int64_t channels, XPtr x, ColPtr col, F f) {
  const int64_t L = g.out_h * g.out_w;
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
        ColPtr row = col + ((c * g.kernel_h + i) * g.kernel_w + j) * L;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          bool inside = oh >= oh_lo && oh < oh_hi;
          f(row + oh * g.out_w, plane, oh * g.stride_h + h_off, inside ? ow_lo : 0, inside ? ow_hi : 0, w_off);
        }
      }
    }
  }
}

// col [channels·KH·KW, OH·OW] = the receptive fields of x [channels, H, W].
template <class T>
void im2col(const Conv2dGeometry& g, int64_t channels, const T* x, T* col) {
  const int64_t sw = g.stride_w, W = g.in_w, OW = g.out_w;
  for_each_tap(g, channels, x, col, [&](T* r, const T* plane, int64_t ih, int64_t lo, int64_t hi, int64_t w_off) {
    std::fill(r, r + lo, T(0));
    const int64_t base = ih * W + w_off;  // plane[base + ow·sw] is in bounds for ow in [lo, hi)
    if (sw == 1)
      std::copy(plane + base + lo, plane + base + hi, r + lo);
    else
      for (int64_t ow = lo; ow < hi; ++ow) r[ow] = plane[base + ow * sw];
    std::fill(r + hi, r + OW, T(0));
  });
}

// x [channels, H, W] = col2im(col): zeroed, then every col entry added back.
template <class T>
void col2im(const Conv2dGeometry& g, int64_t channels, const T* col, T* x) {
  std::fill(x, x + channels * g.in_h * g.in_w, T(0));
  const int64_t sw = g.stride_w, W = g.in_w;
  for_each_tap(g, channels, x, col, [&](const T* r, T* plane, int64_t ih, int64_t lo, int64_t hi, int64_t w_off) {
    const int64_t base = ih * W + w_off;
    for (int64_t ow = lo; ow < hi; ++ow) plane[base + ow * sw] += r[ow];
  });
}

// Images per parallel chunk: threads only when an image's GEMM work times
// the batch is worth a fork/join (same rule as matmul.cpp).
int64_t image_grain(const Conv2dGeometry& g) {
  const int64_t work = g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w * g.out_h * g.out_w;
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work));
}

template <class T>
void add_bias(T* planes, const T* b, int64_t channels, int64_t plane_size) {
  if (!b) return;
  for (int64_t c = 0; c < channels; ++c) {
    T* p = planes + c * plane_size;
    for (int64_t k = 0; k < plane_size; ++k) p[k] += b[c];
  }
}

template <class T>
void conv2d_typed(const Conv2dGeometry& g, T* y, const T* x, const T* w, const T* b) {
  const int64_t G = g.groups, L = g.out_h * g.out_w;
  const int64_t cog = g.out_channels / G, rows = (g.in_channels / G) * g.kernel_h * g.kernel_w;
  const bool direct = col_is_input(g);
  parallel_for(
      g.batch,
      [&](int64_t begin, int64_t end) {
        ColBuffer<T> buffer(direct ? 0 : G * rows * L);
        for (int64_t n = begin; n < end; ++n) {
          const T* xn = x + n * g.in_channels * g.in_h * g.in_w;
          const T* col = direct ? xn : buffer.get();
          if (!direct) im2col(g, g.in_channels, xn, buffer.get());
          T* yn = y + n * g.out_channels * L;
          for (int64_t k = 0; k < G; ++k)
            // y_k [cog, L] = W_k [cog, rows] · col_k [rows, L]
            gemm(GemmArgs<T>{cog, L, rows, w + k * cog * rows, rows, false, col + k * rows * L, L, false,
                             yn + k * cog * L, L, false});
          add_bias(yn, b, g.out_channels, L);
        }
      },
      image_grain(g));
}

template <class T>
void conv_transpose2d_typed(const Conv2dGeometry& g, T* x, const T* y, const T* w, const T* b) {
  const int64_t G = g.groups, L = g.out_h * g.out_w, plane = g.in_h * g.in_w;
  const int64_t cog = g.out_channels / G, rows = (g.in_channels / G) * g.kernel_h * g.kernel_w;
  const bool direct = col_is_input(g);
  parallel_for(
      g.batch,
      [&](int64_t begin, int64_t end) {
        ColBuffer<T> buffer(direct ? 0 : G * rows * L);
        for (int64_t n = begin; n < end; ++n) {
          T* xn = x + n * g.in_channels * plane;
          T* col = direct ? xn : buffer.get();
          const T* yn = y + n * g.out_channels * L;
          for (int64_t k = 0; k < G; ++k)
            // col_k [rows, L] = W_kᵀ [rows, cog] · y_k [cog, L]  (W_kᵀ: W_k read column-major)
            gemm(GemmArgs<T>{rows, L, cog, w + k * cog * rows, rows, true, yn + k * cog * L, L, false,
                             col + k * rows * L, L, false});
          if (!direct) col2im(g, g.in_channels, buffer.get(), xn);
          add_bias(xn, b, g.in_channels, plane);
        }
      },
      image_grain(g));
}

// Each chunk of images sums its W gradients into its own accumulator (the
// first chunk into w itself); the accumulators are then added in chunk
// order, so the result does not depend on thread timing.
template <class T>
void conv2d_weight_typed(const Conv2dGeometry& g, T* w, const T* x, const T* y) {
  const int64_t G = g.groups, L = g.out_h * g.out_w;
  const int64_t cog = g.out_channels / G, rows = (g.in_channels / G) * g.kernel_h * g.kernel_w;
  const int64_t w_numel = g.out_channels * rows;
  const bool direct = col_is_input(g);
  const int64_t chunks =
      in_parallel_region() ? 1 : std::max<int64_t>(1, std::min(g.batch / image_grain(g), int64_t(num_threads())));
  std::vector<std::vector<T>> partial(chunks - 1, std::vector<T>(w_numel));
  parallel_for(
      chunks,
      [&](int64_t chunk_begin, int64_t chunk_end) {
        ColBuffer<T> buffer(direct ? 0 : G * rows * L);
        for (int64_t t = chunk_begin; t < chunk_end; ++t) {
          T* acc = t == 0 ? w : partial[t - 1].data();
          std::fill(acc, acc + w_numel, T(0));
          for (int64_t n = g.batch * t / chunks; n < g.batch * (t + 1) / chunks; ++n) {
            const T* xn = x + n * g.in_channels * g.in_h * g.in_w;
            const T* col = direct ? xn : buffer.get();
            if (!direct) im2col(g, g.in_channels, xn, buffer.get());
            const T* yn = y + n * g.out_channels * L;
            for (int64_t k = 0; k < G; ++k)
              // acc_k [cog, rows] += y_k [cog, L] · col_kᵀ [L, rows]  (col_kᵀ: col_k read column-major)
              gemm(GemmArgs<T>{cog, rows, L, yn + k * cog * L, L, false, col + k * rows * L, L, true,
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
