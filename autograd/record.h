// autograd::record(): how every differentiable op - the library's own and a
// user's custom op - attaches its backward to its forward result.
//
//   // y = x·w;  dy/dx = w, dy/dw = x: both are saved.
//   Tensor mul(const Tensor& x, const Tensor& w) {
//     Tensor y = forward_kernel(x, w);
//     return autograd::record("mul", y, {x, w}, {x, w}, [x, w](const Tensor& dy) {
//       return Grads{dy * w, dy * x};
//     });
//   }
//
// Arguments: the op's name (errors and to_dot use it), its fresh output,
// its inputs (gradients are returned in this order), the tensors the closure
// captures ("saved": an in-place change to one of them before backward is an
// error), and the backward closure dy -> Grads. Write the closure with
// differentiable ops and backward of backward (create_graph) just works.
//
// Never capture the output itself with its graph (that makes a cycle and
// leaks): capture y.detach(), and recompute from the inputs when
// GradMode::is_enabled() (i.e. create_graph), see sigmoid in
// autograd/ops/unary.cpp.
//
// When grad mode is off, or no input requires grad, record() returns the
// output untouched: nothing is allocated. With anomaly detection on
// (anomaly.h) it first checks the output for NaN/Inf.
#pragma once
#include <functional>
#include <initializer_list>
#include <memory>
#include <type_traits>

#include "anomaly.h"
#include "grad_mode.h"
#include "node.h"

namespace nabla::autograd {

// Inputs and saved tensors are passed as references: copying a Tensor handle
// costs two atomic operations, and record() runs once per op.
using TensorRefs = std::initializer_list<std::reference_wrapper<const Tensor>>;

namespace detail {
template <class Ref>
const Tensor& get(const Ref& r) {
  if constexpr (std::is_same<Ref, Tensor>::value)
    return r;
  else
    return r.get();
}
template <class Ref>
bool any_requires_grad(const Ref* inputs, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (get(inputs[i]).requires_grad()) return true;
  return false;
}
void attach(RefPtr<Node>&& node, const char* name, const Tensor& out,
            const std::reference_wrapper<const Tensor>* inputs, size_t num_inputs,
            const std::reference_wrapper<const Tensor>* saved, size_t num_saved);
void attach(RefPtr<Node>&& node, const char* name, const Tensor& out, const Tensor* inputs, size_t num_inputs,
            const Tensor* saved, size_t num_saved);
}  // namespace detail

// Whether record() would attach a node: grad mode is on and an input
// requires grad. An op's rvalue overload (see mul) asks first: a recorded op
// may save its inputs for backward, so none of their buffers may be reused.
inline bool will_record(TensorRefs inputs) {
  return GradMode::is_enabled() && detail::any_requires_grad(inputs.begin(), inputs.size());
}

// What record() returns when it attaches nothing: the output, checked for
// NaN/Inf first under anomaly detection.
inline Tensor unrecorded(const char* name, Tensor&& out) {
  if (__builtin_expect(detail::anomaly_enabled, 0)) detail::check_finite(out, name, "its output");
  return std::move(out);
}

// For a backward closure whose gradient for input `input` is dy·x (mul's,
// for one): adds dy·x straight into that input's .grad and returns true when
// the engine would do nothing else with the gradient - the input is a leaf,
// backward() runs without create_graph or anomaly detection, the leaf has no
// hooks, and its .grad, dy and x are dense tensors of the leaf's shape,
// dtype and device. The closure then returns no gradient for that input.
// Otherwise it changes nothing and returns false: compute the gradient as
// usual. One pass over .grad, instead of a fresh dy·x and a second pass to
// add it (autograd/engine.cpp).
bool accumulate_product(size_t input, const Tensor& dy, const Tensor& x);

// For a backward closure whose gradient for input `input` is the product
// a·b (2-D; a linear layer's dW = dzᵀ·x): hands it, unformed, to the
// input's GradConsumer (autograd/grad_consumer.h) and returns true when the
// consumer took it - the input is a leaf whose consumer would receive
// exactly this gradient next (no other part to come, no .grad, no hooks),
// under backward() without create_graph, anomaly detection or capture. The
// closure then returns no gradient for that input. Otherwise false: compute
// the gradient as usual.
bool consume_product(size_t input, const Tensor& a, const Tensor& b);

template <class F>
Tensor record(const char* name, const Tensor& out, TensorRefs inputs, TensorRefs saved, F&& backward) {
  if (__builtin_expect(detail::anomaly_enabled, 0)) detail::check_finite(out, name, "its output");
  if (!GradMode::is_enabled() || !detail::any_requires_grad(inputs.begin(), inputs.size())) return out;
  detail::attach(make_node(std::forward<F>(backward)), name, out, inputs.begin(), inputs.size(), saved.begin(),
                 saved.size());
  return out;
}

// The same, for inputs known only at run time (cat, stack, custom ops).
template <class F>
Tensor record(const char* name, const Tensor& out, const std::vector<Tensor>& inputs, const std::vector<Tensor>& saved,
              F&& backward) {
  if (__builtin_expect(detail::anomaly_enabled, 0)) detail::check_finite(out, name, "its output");
  if (!GradMode::is_enabled() || !detail::any_requires_grad(inputs.data(), inputs.size())) return out;
  detail::attach(make_node(std::forward<F>(backward)), name, out, inputs.data(), inputs.size(), saved.data(),
                 saved.size());
  return out;
}

}  // namespace nabla::autograd
