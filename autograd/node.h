// autograd::Node: one recorded op in the graph.
//
// A Node remembers, for the one tensor an op produced:
//   * inputs: where each input's gradient goes: the Node that produced that
//     input, or the leaf tensor whose .grad accumulates it;
//   * the backward closure (in FunctionNode<F>), written right beside the
//     op's forward in autograd/ops/;
//   * saved: the version of every tensor the closure captured, so that an
//     in-place change to one of them is an error at backward time instead
//     of a silently wrong gradient.
// Nodes point to their inputs' nodes, never to their outputs, so the graph
// is freed as soon as the last tensor referring to it is.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "../tensor/pool.h"
#include "../tensor/tensor.h"

namespace nabla::autograd {

struct Node;

// The gradients a backward closure returns, one per input, in input order.
// An undefined Tensor means "no gradient" (e.g. for an index input).
// Grads{da, db} moves its arguments in (an initializer list would copy them).
struct Grads : SmallVector<Tensor, 3> {
  Grads() = default;
  template <class... Ts, class = std::enable_if_t<(std::is_convertible<Ts, Tensor>::value && ...)>>
  Grads(Ts&&... grads) {  // NOLINT: implicit, so `return Grads{dx};` and `return {dx};` both read well
    reserve(sizeof...(Ts));
    (emplace_back(std::forward<Ts>(grads)), ...);
  }
};

struct Edge {
  RefPtr<Node> node;        // the input was made by this op...
  RefPtr<TensorImpl> leaf;  // ...or is this leaf (grad accumulates here)
  bool connected() const { return node || leaf; }
};

struct SavedVersion {
  RefPtr<Storage> storage;
  uint32_t version;
};

// What few nodes need - hooks, retain_grad(), the window of a slice/select
// view - lives behind one pointer, so that every other node stays small: a
// recorded op's objects are what a long graph's backward streams through
// the caches, so every byte saved per node is time saved per op.
struct NodeExtras {
  std::vector<TensorHook> hooks;  // register_hook() on the (non-leaf) output
  // retain_grad() on the output: that tensor, which clears this pointer
  // when it dies (ref_destroy in tensor/tensor.cpp).
  TensorImpl* retained = nullptr;
  // Set by view ops whose input gradient is dy placed in a window of zeros
  // (slice, select): window(g) is that window of a tensor shaped like the
  // input. The engine then adds dy into the input's gradient buffer in place
  // - O(window), not O(input) - so taking T slices of one tensor (an RNN's
  // time steps) costs O(input) in backward, not O(T·input).
  std::function<Tensor(const Tensor&)> input_window;
};

struct Node {
  // Engine scratch, valid during one backward() only. First, with the name:
  // the engine's graph walk touches only this cache line of a node it has
  // not run yet.
  const char* name = "";
  uint64_t visit = 0;
  int pending = 0;
  bool released = false;  // closure freed after a backward without retain_graph
  Tensor grad;
  std::unique_ptr<NodeExtras> extras;  // null for almost every node
  RefCount refs;
  uint32_t block_bytes = 0;     // the size of the pooled block it sits in (make_node)
  Node* next_doomed = nullptr;  // the list of nodes waiting to be destroyed (ref_destroy)

  SmallVector<Edge, 2> inputs;
  SmallVector<SavedVersion, 2> saved;
  // The output's metadata: checks gradient shapes, and to_dot() prints it.
  Shape shape;
  DType dtype = DType::Float32;
  Device device;

  NodeExtras& extra() {
    if (!extras) extras = std::make_unique<NodeExtras>();
    return *extras;
  }

  virtual ~Node() = default;
  // Runs the backward closure. dy is handed over: a closure that takes it by
  // value may let its last op write over dy's buffer (see record.h).
  virtual Grads apply(Tensor&& dy) = 0;
  virtual void release() = 0;  // frees the closure and what it captured
};

// Destroys n and frees its block; RefPtr calls it when the last reference
// goes. Destroying a node drops its edges and its closure, which may free
// the nodes before it: done recursively, a 100,000-op chain would overflow
// the stack. So a node whose last reference goes while another node is
// being destroyed joins a per-thread list instead, and the outermost call
// destroys the list one node at a time (autograd/node.cpp).
void ref_destroy(Node* n);

template <class F>
struct FunctionNode final : Node {
  std::optional<F> fn;
  explicit FunctionNode(F&& f) : fn(std::move(f)) {}
  Grads apply(Tensor&& dy) override { return (*fn)(std::move(dy)); }
  void release() override {
    fn.reset();
    saved.clear();
  }
};

// A node running `backward`, in a pooled block.
template <class F>
RefPtr<Node> make_node(F&& backward) {
  using N = FunctionNode<std::decay_t<F>>;
  N* n = ::nabla::detail::pool_new<N>(std::forward<F>(backward));
  n->block_bytes = sizeof(N);
  return RefPtr<Node>::adopt(n);
}

}  // namespace nabla::autograd
