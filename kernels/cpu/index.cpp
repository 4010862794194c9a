// Indexing kernels along one axis: gather / scatter_add / index_select /
// index_add, and row sorting. Each walks the positions of one shape with a
// multi-index; the indexed axis takes its coordinate from `index`.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"

namespace nabla::kernels::cpu {
namespace {

// Calls f(coords) for every position of `shape`, in row-major order.
template <class F>
void for_each_position(int ndim, const int64_t* shape, F f) {
  int64_t total = 1;
  for (int d = 0; d < ndim; ++d) total *= shape[d];
  if (total == 0) return;
  int64_t coords[kMaxDims] = {};
  for (int64_t i = 0; i < total; ++i) {
    f(coords);
    for (int d = ndim - 1; d >= 0; --d) {
      if (++coords[d] < shape[d]) break;
      coords[d] = 0;
    }
  }
}

int64_t offset_of(const View& v, const int64_t* coords) {
  int64_t off = 0;
  for (int d = 0; d < v.ndim; ++d) off += coords[d] * v.strides[d];
  return off;
}

template <class T>
T& at(const View& v, int64_t off) {
  return static_cast<T*>(v.data)[off];
}

}  // namespace

void gather(const View& out, const View& in, const View& index, int axis) {
  NABLA_DISPATCH_ALL(in.dtype, T, for_each_position(index.ndim, index.shape, [&](const int64_t* c) {
                       int64_t k = at<int64_t>(index, offset_of(index, c));
                       int64_t src = offset_of(in, c) + (k - c[axis]) * in.strides[axis];
                       at<T>(out, offset_of(out, c)) = at<T>(in, src);
                     }));
}

void scatter_add(const View& out, const View& index, const View& src, int axis) {
  NABLA_DISPATCH_ALL(out.dtype, T, for_each_position(index.ndim, index.shape, [&](const int64_t* c) {
                       int64_t k = at<int64_t>(index, offset_of(index, c));
                       int64_t dst = offset_of(out, c) + (k - c[axis]) * out.strides[axis];
                       if constexpr (std::is_same<T, bool>::value)
                         at<T>(out, dst) = at<T>(out, dst) || at<T>(src, offset_of(src, c));
                       else
                         at<T>(out, dst) += at<T>(src, offset_of(src, c));
                     }));
}

namespace {
bool dense(const View& v) {
  int64_t expected = 1;
  for (int d = v.ndim - 1; d >= 0; --d) {
    if (v.shape[d] != 1 && v.strides[d] != expected) return false;
    expected *= v.shape[d];
  }
  return true;
}
}  // namespace

void index_select(const View& out, const View& in, const View& index, int axis) {
  if (dense(out) && dense(in) && in.dtype != DType::Bool) {
    // Dense operands (a batch of rows taken from a dataset, an embedding
    // lookup): each selected slice is one block of `inner` elements to copy.
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= out.shape[d];
    for (int d = axis + 1; d < out.ndim; ++d) inner *= out.shape[d];
    const int64_t n_out = out.shape[axis], n_in = in.shape[axis];
    const size_t block = static_cast<size_t>(inner) * dtype_size(in.dtype);
    const char* src = static_cast<const char*>(in.data);
    char* dst = static_cast<char*>(out.data);
    auto source = [&](int64_t o, int64_t j) {
      return src + (o * n_in + at<int64_t>(index, j * index.strides[0])) * block;
    };
    // Rows taken at random from a large array (a batch from a dataset) come
    // from DRAM, and one memcpy at a time leaves most of the core's miss
    // slots idle. Two prefetch fronts run ahead of the copy:
    //   heads: the first kHeadBytes of each of the next kHeadRows rows. A
    //     row's first misses start the hardware's stream prefetcher on it,
    //     which then fetches the rest into L2 without taking the core's
    //     miss slots, so the rows' DRAM latencies overlap.
    //   bodies: the rest of the rows up to kBodyBytes ahead, so
    //     that what the streamer has not fetched yet is on its way too.
    // The benchmark MLP's batch (32 rows of 3 KiB from 188 MB, huge pages)
    // took ~16 µs one memcpy at a time, ~7.5 µs with the bodies' front
    // alone (64 KiB ahead) and ~5.6 µs with both (timed alone, Zen 5).
    constexpr size_t kLine = 64, kHeadBytes = 8 * kLine, kBodyBytes = 16 * 1024;
    constexpr int64_t kHeadRows = 64;
    auto copy_rows = [&](int64_t begin, int64_t end) {
      for (int64_t o = 0; o < outer; ++o) {
        int64_t head = begin, body = begin;  // the next row to prefetch, per front
        for (int64_t j = begin; j < end; ++j) {
          for (; head < end && head - j < kHeadRows; ++head) {
            const char* row = source(o, head);
            for (size_t b = 0; b < std::min(block, kHeadBytes); b += kLine) __builtin_prefetch(row + b);
          }
          for (; body < end && static_cast<size_t>(body - j) * block < kBodyBytes; ++body) {
            const char* row = source(o, body);
            for (size_t b = kHeadBytes; b < block; b += kLine) __builtin_prefetch(row + b);
          }
          std::memcpy(dst + (o * n_out + j) * block, source(o, j), block);
        }
      }
    };
    // A second core pays for its fork/join from far fewer bytes than an
    // arithmetic loop needs: in the benchmark MLP's 2-thread step its batch
    // gathered in ~17 µs on one thread and ~12 µs split in two (before the
    // prefetch).
    constexpr int64_t kGrainBytes = 64 * 1024;
    const int64_t row_bytes = static_cast<int64_t>(block) * outer;
    parallel_for(n_out, copy_rows, std::max<int64_t>(1, kGrainBytes / std::max<int64_t>(1, row_bytes)));
    return;
  }
  NABLA_DISPATCH_ALL(in.dtype, T, for_each_position(out.ndim, out.shape, [&](const int64_t* c) {
                       int64_t k = at<int64_t>(index, c[axis] * index.strides[0]);
                       int64_t src = offset_of(in, c) + (k - c[axis]) * in.strides[axis];
                       at<T>(out, offset_of(out, c)) = at<T>(in, src);
                     }));
}

void index_add(const View& out, const View& index, const View& src, int axis) {
  NABLA_DISPATCH_ALL(out.dtype, T, for_each_position(src.ndim, src.shape, [&](const int64_t* c) {
                       int64_t k = at<int64_t>(index, c[axis] * index.strides[0]);
                       int64_t dst = offset_of(out, c) + (k - c[axis]) * out.strides[axis];
                       if constexpr (std::is_same<T, bool>::value)
                         at<T>(out, dst) = at<T>(out, dst) || at<T>(src, offset_of(src, c));
                       else
                         at<T>(out, dst) += at<T>(src, offset_of(src, c));
                     }));
}

void sort_rows(const View& values, const View& indices, bool descending) {
  const int64_t n = values.shape[values.ndim - 1];
  const int64_t rows = n == 0 ? 0 : values.numel() / n;
  NABLA_DISPATCH_ALL(values.dtype, T, {
    T* v = static_cast<T*>(values.data);
    int64_t* ix = static_cast<int64_t*>(indices.data);
    std::vector<int64_t> order(n);
    std::vector<T> tmp(n);
    for (int64_t r = 0; r < rows; ++r) {
      T* row = v + r * n;
      std::iota(order.begin(), order.end(), int64_t(0));
      // NaN sorts last ascending and first descending (NumPy puts NaN last
      // ascending; descending is the reverse order).
      auto less = [&](int64_t a, int64_t b) {
        T x = row[a], y = row[b];
        if (descending) {
          if (y != y) return false;
          if (x != x) return true;
          return x > y;
        }
        if (x != x) return false;
        if (y != y) return true;
        return x < y;
      };
      std::stable_sort(order.begin(), order.end(), less);
      for (int64_t i = 0; i < n; ++i) tmp[i] = row[order[i]];
      std::copy(tmp.begin(), tmp.end(), row);
      std::copy(order.begin(), order.end(), ix + r * n);
    }
  });
}

}  // namespace nabla::kernels::cpu
