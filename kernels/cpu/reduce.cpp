// Reductions. The output view has the input's ndim with size 1 on reduced
// axes; giving it stride 0 there turns a reduction into an elementwise loop
// that accumulates into the output. After StridedLoop merges dims, two
// shapes of inner run remain:
//   * output stride 0: the run is reduced to one value (a row sum);
//   * output stride != 0: the run is accumulated element by element (a
//     column sum, the bias gradient), which vectorises.
#include <cmath>
#include <limits>
#include <type_traits>

#include "cpu_kernels.h"
#include "loop.h"
#include "simd_clones.h"

namespace nabla::kernels::cpu {
namespace {

// Sum's combine, a named type so that reduce_typed can recognise it.
struct Plus {
  template <class A>
  A operator()(A a, A b) const {
    return a + b;
  }
};

// A column sum's inner loop, o[i] += a[i] (a bias gradient: one call per
// row of the batch), built for AVX-512, AVX2 and the baseline
// (simd_clones.h). For float it equals the double-accumulator loop below
// bit for bit: float(double(o) + double(a)) is o + a rounded once, because
// rounding a sum to double (53 bits) and then to float (24) gives what one
// rounding to float gives whenever 53 >= 2 * 24 + 2.
template <class T>
NABLA_SIMD_CLONES void add_into(T* o, const T* a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] += a[i];
}

// The same column sum over all `rows` of a contiguous [rows, n] block in one
// call: o[i] = Σ_r a[r, i], added in row order onto 0 as the strided loop
// adds them (so the same bits, -0.0 included). A bias gradient [32, 128] ->
// [128] took 32 calls of add_into through the strided loop; this is one.
template <class T>
NABLA_SIMD_CLONES void sum_rows_into(T* o, const T* a, int64_t rows, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = T(0) + a[i];
  for (int64_t r = 1; r < rows; ++r) {
    const T* row = a + r * n;
    for (int64_t i = 0; i < n; ++i) o[i] += row[i];
  }
}

// Σ a[i] over a contiguous run, in Acc (double for float): eight partial
// sums, added together in a fixed order at the end, so the adds pipeline and
// vectorise. One running sum waits ~4 cycles per element for the previous
// add: a sum over 1M floats took 700 µs that way.
template <class T, class Acc>
NABLA_SIMD_CLONES Acc sum_run(const T* a, int64_t n) {
  constexpr int kParts = 8;
  Acc part[kParts] = {};
  int64_t i = 0;
  for (; i + kParts <= n; i += kParts)
    for (int k = 0; k < kParts; ++k) part[k] += static_cast<Acc>(a[i + k]);
  Acc s = 0;
  for (int k = 0; k < kParts; ++k) s += part[k];
  for (; i < n; ++i) s += static_cast<Acc>(a[i]);
  return s;
}

// True when `in` is C-contiguous and the reduced dims (size 1 in `out`) all
// come before the kept ones: the sum is then a column sum of a
// [rows, cols] block into a contiguous out of cols elements.
bool leading_dims_reduced(const View& out, const View& in, int64_t* rows, int64_t* cols) {
  const View* views[1] = {&in};
  if (!all_contiguous(views)) return false;
  *rows = 1;
  *cols = 1;
  bool kept_seen = false;
  int64_t out_expected = 1;
  for (int d = in.ndim - 1; d >= 0; --d) {
    if (in.shape[d] == 1) continue;
    const bool reduced = out.shape[d] == 1;
    if (reduced) {
      *rows *= in.shape[d];
      kept_seen = true;  // from here on (outwards) every dim must be reduced
    } else {
      if (kept_seen || out.strides[d] != out_expected) return false;
      *cols *= in.shape[d];
      out_expected *= in.shape[d];
    }
  }
  return *rows > 1 && *cols > 1;
}

// Acc is the accumulator type: double for float sums/products (accuracy),
// else T.
template <class T, class Acc, class Combine>
void reduce_typed(const View& out, const View& in, Acc identity, Combine combine) {
  if constexpr (std::is_same<Combine, Plus>::value && std::is_floating_point<T>::value) {
    int64_t rows, cols;
    if (leading_dims_reduced(out, in, &rows, &cols)) {
      sum_rows_into(static_cast<T*>(out.data), static_cast<const T*>(in.data), rows, cols);
      return;
    }
  }
  // The output, seen with stride 0 along reduced dims.
  int64_t out_strides[kMaxDims];
  for (int d = 0; d < in.ndim; ++d) out_strides[d] = (out.shape[d] == 1 && in.shape[d] != 1) ? 0 : out.strides[d];
  View acc_view{out.data, out.dtype, out.device, in.ndim, in.shape, out_strides};
  // Initialise every output element with the identity.
  {
    const View* views[1] = {&out};
    StridedLoop<1> loop(views);
    loop.for_each_run_serial([&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = static_cast<T>(identity);
    });
  }
  const View* views[2] = {&acc_view, &in};
  StridedLoop<2> loop(views);
  // Serial: several runs may write the same output element.
  loop.for_each_run_serial([&](char** p, const int64_t* s, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    if (s[0] == 0) {
      Acc acc = static_cast<Acc>(*o);
      if (s[1] == sizeof(T)) {
        const T* a = reinterpret_cast<const T*>(p[1]);
        if constexpr (std::is_same<Combine, Plus>::value)
          acc = acc + sum_run<T, Acc>(a, n);
        else
          for (int64_t i = 0; i < n; ++i) acc = combine(acc, static_cast<Acc>(a[i]));
      } else {
        for (int64_t i = 0; i < n; ++i)
          acc = combine(acc, static_cast<Acc>(*reinterpret_cast<const T*>(p[1] + i * s[1])));
      }
      *o = static_cast<T>(acc);
    } else if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
      const T* a = reinterpret_cast<const T*>(p[1]);
      if constexpr (std::is_same<Combine, Plus>::value && std::is_floating_point<T>::value)
        add_into(o, a, n);
      else
        for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(combine(static_cast<Acc>(o[i]), static_cast<Acc>(a[i])));
    } else {
      for (int64_t i = 0; i < n; ++i) {
        T* oi = reinterpret_cast<T*>(p[0] + i * s[0]);
        *oi = static_cast<T>(
            combine(static_cast<Acc>(*oi), static_cast<Acc>(*reinterpret_cast<const T*>(p[1] + i * s[1]))));
      }
    }
  });
}

template <class T>
T max_nan(T a, T b) {
  return (a != a || a > b) ? a : b;
}  // NaN wins, as NumPy
template <class T>
T min_nan(T a, T b) {
  return (a != a || a < b) ? a : b;
}

template <class T>
void reduce_numeric(ReduceOp op, const View& out, const View& in) {
  using Acc = typename std::conditional<std::is_floating_point<T>::value, double, T>::type;
  switch (op) {
    case ReduceOp::Sum:
      reduce_typed<T, Acc>(out, in, Acc(0), Plus());
      return;
    case ReduceOp::Prod:
      reduce_typed<T, Acc>(out, in, Acc(1), [](Acc a, Acc b) { return a * b; });
      return;
    case ReduceOp::Max:
      reduce_typed<T, T>(out, in, std::numeric_limits<T>::lowest(), [](T a, T b) { return max_nan(a, b); });
      return;
    case ReduceOp::Min:
      reduce_typed<T, T>(out, in, std::numeric_limits<T>::max(), [](T a, T b) { return min_nan(a, b); });
      return;
    default:
      break;
  }
}

}  // namespace

void reduce(ReduceOp op, const View& out, const View& in) {
  if (op == ReduceOp::Any) {
    reduce_typed<bool, bool>(out, in, false, [](bool a, bool b) { return a || b; });
    return;
  }
  if (op == ReduceOp::All) {
    reduce_typed<bool, bool>(out, in, true, [](bool a, bool b) { return a && b; });
    return;
  }
  switch (in.dtype) {
    case DType::Float32:
      reduce_numeric<float>(op, out, in);
      return;
    case DType::Float64:
      reduce_numeric<double>(op, out, in);
      return;
    case DType::Int64:
      reduce_numeric<int64_t>(op, out, in);
      return;
    case DType::Bool:
      NABLA_CHECK(false, "reduce", "numeric reduction of a bool tensor: convert with astype first");
  }
}

void argmax(const View& out, const View& in, int axis, bool is_min) {
  // Loop over every position of the output (the input without `axis`) and
  // scan along the axis from there.
  int64_t shape[kMaxDims], strides[kMaxDims];
  int nd = 0;
  for (int d = 0; d < in.ndim; ++d)
    if (d != axis) {
      shape[nd] = in.shape[d];
      strides[nd] = in.strides[d];
      ++nd;
    }
  View outer_in{in.data, in.dtype, in.device, nd, shape, strides};
  View outer_out{out.data, out.dtype, out.device, nd, shape, out.strides};
  const int64_t len = in.shape[axis];
  const int64_t step = in.strides[axis] * static_cast<int64_t>(dtype_size(in.dtype));
  const View* views[2] = {&outer_out, &outer_in};
  StridedLoop<2> loop(views);
  auto scan = [&](auto tag) {
    using T = decltype(tag);
    loop.for_each_run([&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        const char* a = p[1] + i * s[1];
        T best = *reinterpret_cast<const T*>(a);
        int64_t best_k = 0;
        for (int64_t k = 1; k < len && best == best; ++k) {
          T v = *reinterpret_cast<const T*>(a + k * step);
          if (v != v || (is_min ? v < best : v > best)) {
            best = v;
            best_k = k;
          }
        }
        *reinterpret_cast<int64_t*>(p[0] + i * s[0]) = best_k;
      }
    });
  };
  switch (in.dtype) {
    case DType::Float32:
      scan(float());
      break;
    case DType::Float64:
      scan(double());
      break;
    case DType::Int64:
      scan(int64_t());
      break;
    case DType::Bool:
      scan(bool());
      break;
  }
}

}  // namespace nabla::kernels::cpu
