// Loss kernels: the fused softmax cross-entropy of the rows of [N, C] logits
// against class indices. One pass over a row finds its max, a second sums
// exp(x - max) and gathers what the loss needs, so the [N, C] log-softmax
// is never written to memory. Rows are independent: threads split them.
// exp() is the cost of both passes: float goes through the vectorised exp of
// vector_exp.h over blocks of whole rows, double through Eigen's.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "cpu_kernels.h"
#include "parallel.h"
#include "vector_exp.h"

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

// y[i] = exp(x[i]) over a flat block: float through the vectorised exp
// (vector_exp.h), double through Eigen's.
inline void exp_block(float* y, const float* x, int64_t n) { exp_into(y, x, n); }
inline void exp_block(double* y, const double* x, int64_t n) {
  Eigen::Map<Eigen::ArrayXd>(y, n) = Eigen::Map<const Eigen::ArrayXd>(x, n).exp();
}

// The exps of a row block go through one flat array of up to this many
// elements: a batch's rows of 10 classes are then one call of exp_block
// (per-row calls would leave a 10-element row mostly to the scalar
// remainder of a 16-wide loop). Longer rows go a piece at a time.
constexpr int64_t kExpBlock = 1024;

// sums[i] = Σ_c exp(x[i, c] - shift[i]) for `rows` rows of `classes`, summed
// in double.
template <class T>
void shifted_exp_sums(const T* x, int64_t rows, int64_t classes, const T* shift, double* sums) {
  T buf[kExpBlock];
  const int64_t rows_per_block = std::max<int64_t>(1, kExpBlock / classes);
  for (int64_t r0 = 0; r0 < rows; r0 += rows_per_block) {
    const int64_t nr = std::min(rows_per_block, rows - r0);
    for (int64_t i = r0; i < r0 + nr; ++i) sums[i] = 0;
    // Columns a piece at a time: the whole row when rows_per_block > 1.
    for (int64_t c0 = 0; c0 < classes; c0 += kExpBlock) {
      const int64_t nc = std::min(kExpBlock, classes - c0);
      for (int64_t i = 0; i < nr; ++i)
        for (int64_t c = 0; c < nc; ++c) buf[i * nc + c] = x[(r0 + i) * classes + c0 + c] - shift[r0 + i];
      exp_block(buf, buf, nr * nc);
      for (int64_t i = 0; i < nr; ++i) {
        double s = 0;
        for (int64_t c = 0; c < nc; ++c) s += static_cast<double>(buf[i * nc + c]);
        sums[r0 + i] += s;
      }
    }
  }
}

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
        constexpr int64_t kRowsAtOnce = 256;  // the row maxima and sums of a block, on the stack
        T m[kRowsAtOnce];
        double s[kRowsAtOnce];
        for (int64_t b = begin; b < end; b += kRowsAtOnce) {
          const int64_t nb = std::min(kRowsAtOnce, end - b);
          for (int64_t i = 0; i < nb; ++i) {
            // Subtracting the row max keeps exp() from overflowing.
            T mi = Row<T>(x + (b + i) * classes, classes).maxCoeff();
            m[i] = std::isfinite(mi) ? mi : T(0);  // all -inf (or a NaN row): keep inf/NaN out of x - m
          }
          shifted_exp_sums(x + b * classes, nb, classes, m, s);
          for (int64_t k = 0; k < nb; ++k) {
            const int64_t i = b + k;
            const T* row = x + i * classes;
            double weighted_x = 0;  // Σ_c w_c x_c, for the smoothing term
            if (smoothing != 0)
              weighted_x = static_cast<double>(w.w ? (Row<T>(row, classes) * Row<T>(w.w, classes)).sum()
                                                   : Row<T>(row, classes).sum());
            const double row_lse = static_cast<double>(m[k]) + std::log(s[k]);
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
        // softmax = exp(x - lse), written straight into dx (contiguous rows),
        // whose rows [begin, end) are then one flat block for exp_block.
        for (int64_t i = begin; i < end; ++i)
          for (int64_t c = 0; c < classes; ++c) dx[i * classes + c] = x[i * classes + c] - row_lse[i];
        exp_block(dx + begin * classes, dx + begin * classes, (end - begin) * classes);
        for (int64_t i = begin; i < end; ++i) {
          T* drow = dx + i * classes;
          if (t[i] == ignore_index) {
            std::fill(drow, drow + classes, T(0));
            continue;
          }
          const T gi = g[i * g_stride];
          const T wt = static_cast<T>((1 - smoothing) * w[t[i]]);
          // d loss_i / d x_c = a·softmax_c - ((1-ε) w_t [c = t] + ε/C w_c),
          // a = (1-ε) w_t + ε/C Σ w: the weight the target row puts in total.
          const T a = static_cast<T>((1 - smoothing) * w[t[i]] + smoothing / static_cast<double>(classes) * w.total);
          if (w.w && smoothing != 0)
            for (int64_t c = 0; c < classes; ++c) drow[c] = gi * (a * drow[c] - eps_per_class * w.w[c]);
          else
            for (int64_t c = 0; c < classes; ++c) drow[c] = gi * (a * drow[c] - eps_per_class);
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
