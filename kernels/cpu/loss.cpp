// Loss kernels: the fused softmax cross-entropy of the rows of [N, C] logits
// against class indices. One pass over a row finds its max, a second sums
// exp(x - max) and gathers what the loss needs, so the [N, C] log-softmax
// is never written to memory. Rows are independent: threads split them.
// exp() is the cost of both passes: Eigen's is vectorised (std::exp takes
// one element at a time).
#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "cpu_kernels.h"
#include "parallel.h"

namespace nabla::kernels::cpu {
namespace {

// Rows per thread chunk: about kGrainSize elements.
int64_t row_grain(int64_t classes) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, classes)); }

// The class weights (all ones without a weight view) and their sum.
template <class T>
struct ClassWeights {
  const T* w;  // null: every weight is 1
  double total;
  ClassWeights(const View& weight, int64_t classes) : w(static_cast<const T*>(weight.data)), total(0) {
    if (!w) {
      total = static_cast<double>(classes);
      return;
    }
    for (int64_t c = 0; c < classes; ++c) total += static_cast<double>(w[c]);
  }
  double operator[](int64_t c) const { return w ? static_cast<double>(w[c]) : 1.0; }
};

template <class T>
using Row = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using MutableRow = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;

template <class T>
void cross_entropy_forward_typed(const View& loss, const View& lse, const View& logits, const View& target,
                                 const View& weight, int64_t ignore_index, double smoothing) {
  const int64_t rows = logits.shape[0], classes = logits.shape[1];
  const T* x = static_cast<const T*>(logits.data);
  const int64_t* t = static_cast<const int64_t*>(target.data);
  T* out = static_cast<T*>(loss.data);
  T* out_lse = static_cast<T*>(lse.data);
  const ClassWeights<T> w(weight, classes);
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const T* row = x + i * classes;
          const Row<T> xr(row, classes);
          // Subtracting the row max keeps exp() from overflowing.
          T m = xr.maxCoeff();
          if (!std::isfinite(m)) m = 0;  // all -inf (or a NaN row): keep inf/NaN out of x - m
          const double s = static_cast<double>((xr - m).exp().sum());
          double weighted_x = 0;  // Σ_c w_c x_c, for the smoothing term
          if (smoothing != 0) weighted_x = static_cast<double>(w.w ? (xr * Row<T>(w.w, classes)).sum() : xr.sum());
          const double row_lse = static_cast<double>(m) + std::log(s);
          out_lse[i] = static_cast<T>(row_lse);
          if (t[i] == ignore_index) {
            out[i] = 0;
            continue;
          }
          // (1-ε)·w_t·(lse - x_t) + ε/C·Σ_c w_c·(lse - x_c)
          double l = (1 - smoothing) * w[t[i]] * (row_lse - static_cast<double>(row[t[i]]));
          if (smoothing != 0) l += smoothing / static_cast<double>(classes) * (row_lse * w.total - weighted_x);
          out[i] = static_cast<T>(l);
        }
      },
      row_grain(classes));
}

template <class T>
void cross_entropy_backward_typed(const View& dlogits, const View& dloss, const View& logits, const View& lse,
                                  const View& target, const View& weight, int64_t ignore_index, double smoothing) {
  const int64_t rows = logits.shape[0], classes = logits.shape[1];
  const T* x = static_cast<const T*>(logits.data);
  const T* row_lse = static_cast<const T*>(lse.data);
  const T* g = static_cast<const T*>(dloss.data);
  const int64_t g_stride = dloss.strides[0];  // 0 when the loss was reduced (an expanded scalar)
  const int64_t* t = static_cast<const int64_t*>(target.data);
  T* dx = static_cast<T*>(dlogits.data);
  const ClassWeights<T> w(weight, classes);
  const T eps_per_class = static_cast<T>(smoothing / static_cast<double>(classes));
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          T* drow = dx + i * classes;
          if (t[i] == ignore_index) {
            std::fill(drow, drow + classes, T(0));
            continue;
          }
          const T* row = x + i * classes;
          const T gi = g[i * g_stride];
          const T wt = static_cast<T>((1 - smoothing) * w[t[i]]);
          // d loss_i / d x_c = a·softmax_c - ((1-ε) w_t [c = t] + ε/C w_c),
          // a = (1-ε) w_t + ε/C Σ w: the weight the target row puts in total.
          const T a = static_cast<T>((1 - smoothing) * w[t[i]] + smoothing / static_cast<double>(classes) * w.total);
          // softmax = exp(x - lse)
          const Row<T> xr(row, classes);
          MutableRow<T> dr(drow, classes);
          if (w.w && smoothing != 0)
            dr = gi * (a * (xr - row_lse[i]).exp() - eps_per_class * Row<T>(w.w, classes));
          else
            dr = gi * (a * (xr - row_lse[i]).exp() - eps_per_class);
          drow[t[i]] -= gi * wt;
        }
      },
      row_grain(classes));
}

}  // namespace

void cross_entropy_forward(const View& loss, const View& lse, const View& logits, const View& target,
                           const View& weight, int64_t ignore_index, double label_smoothing) {
  if (logits.dtype == DType::Float64)
    cross_entropy_forward_typed<double>(loss, lse, logits, target, weight, ignore_index, label_smoothing);
  else
    cross_entropy_forward_typed<float>(loss, lse, logits, target, weight, ignore_index, label_smoothing);
}

void cross_entropy_backward(const View& dlogits, const View& dloss, const View& logits, const View& lse,
                            const View& target, const View& weight, int64_t ignore_index, double label_smoothing) {
  if (logits.dtype == DType::Float64)
    cross_entropy_backward_typed<double>(dlogits, dloss, logits, lse, target, weight, ignore_index, label_smoothing);
  else
    cross_entropy_backward_typed<float>(dlogits, dloss, logits, lse, target, weight, ignore_index, label_smoothing);
}

}  // namespace nabla::kernels::cpu
