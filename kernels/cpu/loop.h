// The one strided, broadcasting loop every CPU elementwise kernel runs on.
//
// StridedLoop<N> takes N views of one shape (operand 0 is the output) and
// simplifies them before looping:
//   1. dims of size 1 are dropped;
//   2. neighbouring dims that are contiguous with each other *in every
//      operand* are merged, so a contiguous tensor of any rank becomes 1-D.
// for_each_run() then calls body(ptrs, byte_strides, n) on 1-D runs along the
// innermost dim. Bodies test for unit strides and fall into a plain indexed
// loop that the compiler vectorises (the "contiguous fast path").
//
// Threading: only loops of at least kGrainSize elements are split across
// threads (parallel.h), so tiny tensors never pay a fork/join (~1-5 us).
#pragma once
#include <algorithm>
#include <cstdint>

#include "../../tensor/error.h"
#include "../view.h"
#include "parallel.h"

namespace nabla::kernels::cpu {

// True when every view is C-contiguous (the shape is the same by contract):
// the loop is then one flat run and needs no dim bookkeeping at all.
template <int N>
inline bool all_contiguous(const View* const (&views)[N]) {
  if (views[0]->ndim == 1) {  // the most common case, checked in a few instructions
    bool unit = true;
    for (int k = 0; k < N; ++k) unit = unit && views[k]->strides[0] == 1;
    return unit || views[0]->shape[0] <= 1;
  }
  for (int k = 0; k < N; ++k) {
    const View& v = *views[k];
    int64_t expected = 1;
    for (int d = v.ndim - 1; d >= 0; --d) {
      if (v.shape[d] != 1 && v.strides[d] != expected) return false;
      expected *= v.shape[d];
    }
  }
  return true;
}

// Runs body over `views` of one shape: a single flat run when small and
// contiguous (the per-op fast path), else through StridedLoop.
template <int N, class Body>
void for_each_run(const View* const (&views)[N], Body body);

template <int N>
struct StridedLoop {
  int ndim = 0;
  int64_t numel = 1;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims][N];  // bytes; strides[d][k] for operand k
  char* data[N];

  explicit StridedLoop(const View* const (&views)[N]) {
    const View& out = *views[0];
    NABLA_CHECK(out.ndim <= kMaxDims, "kernels", "tensors with more than ", kMaxDims, " dims are not supported (got ",
                out.ndim, ")");
    for (int k = 0; k < N; ++k) data[k] = static_cast<char*>(views[k]->data);
    for (int d = 0; d < out.ndim; ++d) {
      numel *= out.shape[d];
      if (out.shape[d] == 1) continue;  // size-1 dims never move a pointer
      shape[ndim] = out.shape[d];
      for (int k = 0; k < N; ++k)
        strides[ndim][k] = views[k]->strides[d] * static_cast<int64_t>(dtype_size(views[k]->dtype));
      ++ndim;
    }
    // Merge dim d into d-1 (outer) when, in every operand, stepping the
    // outer dim once equals stepping the inner dim across its whole length.
    int merged = 0;
    for (int d = 1; d < ndim; ++d) {
      bool can = true;
      for (int k = 0; k < N && can; ++k) can = strides[merged][k] == strides[d][k] * shape[d];
      if (can) {
        shape[merged] *= shape[d];
        for (int k = 0; k < N; ++k) strides[merged][k] = strides[d][k];
      } else {
        ++merged;
        shape[merged] = shape[d];
        for (int k = 0; k < N; ++k) strides[merged][k] = strides[d][k];
      }
    }
    if (ndim > 0) ndim = merged + 1;
  }

  // Runs body over the elements [begin, end) in row-major order.
  template <class Body>
  void run_range(int64_t begin, int64_t end, Body& body) const {
    char* ptrs[N];
    if (ndim == 0) {  // a single element
      int64_t zero[N] = {};
      for (int k = 0; k < N; ++k) ptrs[k] = data[k];
      if (begin < end) body(ptrs, zero, int64_t(1));
      return;
    }
    const int last = ndim - 1;
    int64_t idx[kMaxDims];
    int64_t rem = begin;
    for (int d = last; d >= 0; --d) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
    }
    while (begin < end) {
      for (int k = 0; k < N; ++k) {
        char* p = data[k];
        for (int d = 0; d <= last; ++d) p += idx[d] * strides[d][k];
        ptrs[k] = p;
      }
      int64_t n = std::min(shape[last] - idx[last], end - begin);
      body(ptrs, strides[last], n);
      begin += n;
      idx[last] += n;
      for (int d = last; d > 0 && idx[d] == shape[d]; --d) {
        idx[d] = 0;
        idx[d - 1]++;
      }
    }
  }

  // Runs body over every element, in parallel above the grain size.
  // body must be safe to call concurrently on disjoint runs.
  template <class Body>
  void for_each_run(Body body) const {
    if (ndim <= 1 && numel < kGrainSize) {  // the common small case: one run, no bookkeeping
      int64_t zero[N] = {};
      body(const_cast<char**>(data), ndim ? strides[0] : zero, numel);
      return;
    }
    parallel_for(numel, [&](int64_t begin, int64_t end) { run_range(begin, end, body); });
  }
  // Always serial: for bodies that accumulate into shared outputs.
  template <class Body>
  void for_each_run_serial(Body body) const {
    run_range(0, numel, body);
  }
};

template <int N, class Body>
void for_each_run(const View* const (&views)[N], Body body) {
  const int64_t n = views[0]->numel();
  if (n < kGrainSize) {
    // One flat run when every view is contiguous, or when the views are 1-D
    // (any strides, e.g. a broadcast scalar's 0): no dim bookkeeping at all.
    const bool flat = views[0]->ndim <= 1;
    if (flat || all_contiguous(views)) {
      char* ptrs[N];
      int64_t strides[N];
      for (int k = 0; k < N; ++k) {
        ptrs[k] = static_cast<char*>(views[k]->data);
        const int64_t step = flat && views[k]->ndim == 1 ? views[k]->strides[0] : 1;
        strides[k] = step * static_cast<int64_t>(dtype_size(views[k]->dtype));
      }
      body(ptrs, strides, n);
      return;
    }
  }
  StridedLoop<N>(views).for_each_run(body);
}

}  // namespace nabla::kernels::cpu
