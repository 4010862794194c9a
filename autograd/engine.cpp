#include "engine.h"

#include <atomic>
#include <unordered_map>

#include "../kernels/kernels.h"
#include "../tensor/creation.h"
#include "../tensor/kernel_view.h"
#include "anomaly.h"
#include "grad_consumer.h"
#include "grad_mode.h"
#include "node.h"
#include "ops/arithmetic.h"
#include "record.h"

namespace nabla::autograd {

// ---- recording ---------------------------------------------------------------

namespace detail {

template <class Ref>
void attach_impl(RefPtr<Node>&& node, const char* name, const Tensor& out, const Ref* inputs, size_t num_inputs,
                 const Ref* saved, size_t num_saved) {
  node->name = name;
  node->inputs.resize(num_inputs);
  for (size_t i = 0; i < num_inputs; ++i) {
    const Tensor& t = get(inputs[i]);
    if (!t.requires_grad()) continue;  // no gradient flows there
    if (t.grad_fn())
      node->inputs[i].node = t.grad_fn();
    else
      node->inputs[i].leaf = t.impl_ptr();
  }
  for (size_t i = 0; i < num_saved; ++i) {
    const Tensor& t = get(saved[i]);
    if (t.defined()) node->saved.push_back({t.storage(), t.version()});
  }
  node->shape = out.shape();
  node->dtype = out.dtype();
  node->device = out.device();
  out.impl()->grad_fn = std::move(node);  // a move: no reference-count traffic
}

void attach(RefPtr<Node>&& node, const char* name, const Tensor& out,
            const std::reference_wrapper<const Tensor>* inputs, size_t num_inputs,
            const std::reference_wrapper<const Tensor>* saved, size_t num_saved) {
  attach_impl(std::move(node), name, out, inputs, num_inputs, saved, num_saved);
}

void attach(RefPtr<Node>&& node, const char* name, const Tensor& out, const Tensor* inputs, size_t num_inputs,
            const Tensor* saved, size_t num_saved) {
  attach_impl(std::move(node), name, out, inputs, num_inputs, saved, num_saved);
}

}  // namespace detail

// ---- the engine --------------------------------------------------------------

namespace {

std::atomic<uint64_t> visit_counter{0};

// a + b where either may be undefined (no gradient yet).
Tensor add_grads(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return a + b;
}

// The fast path for a window view (slice, select; Node::input_window): adds
// g into the window of the input node's gradient buffer, in place. The
// buffer is made (zeros) or copied first unless it is dense and only the
// engine holds it - a gradient a closure returned may be shared with another
// node, and writing through a broadcast view would add more than once.
void add_into_window(Node& n, const Tensor& g) {
  Node& m = *n.inputs[0].node;
  NoGradGuard no_grad;
  Tensor& acc = m.grad;
  if (!acc.defined())
    acc = zeros(m.shape, TensorOptions(m.dtype, m.device));
  else if (!(acc.impl_ptr().use_count() == 1 && acc.storage_is_exclusive() && acc.is_contiguous()))
    acc = acc.clone();
  Tensor window = n.extras->input_window(acc);
  window.add_(g);
}

inline void check_grad_shape(const Tensor& g, const Shape& expected, const char* op, size_t input) {
  NABLA_CHECK(g.shape() == expected, op, "backward returned a gradient of shape ", shape_str(g.shape()), " for input ",
              input, " of shape ", shape_str(expected));
}

// Accumulates g into a leaf's .grad, as PyTorch's AccumulateGrad:
// in place when nothing else can see the buffer, so a steady training loop
// reuses the same .grad memory every step. engine_refs: how many of g's
// handles the engine itself holds (a gradient with more may be shared).
void accumulate_unhooked(TensorImpl* leaf, const Tensor& g, bool create_graph, long engine_refs) {
  if (!leaf->grad) {
    // Take g itself only if nobody else holds it and it is a plain dense
    // tensor; otherwise copy, so a later in-place accumulation can neither
    // write into someone else's tensor nor through a broadcast (stride-0) view.
    bool exclusive = g.impl_ptr().use_count() <= engine_refs && g.storage_is_exclusive() && g.is_contiguous();
    leaf->grad = create_graph ? g.impl_ptr() : (exclusive ? g.detach() : g.detach().clone()).impl_ptr();
  } else if (!create_graph && !leaf->grad->requires_grad) {
    // Not recorded: this .grad does not require grad.
    if (!::nabla::detail::add_dense_into(*leaf->grad, g)) Tensor(leaf->grad).add_(g);
  } else {
    leaf->grad = (Tensor(leaf->grad) + g).impl_ptr();
  }
}

// The same, after the leaf's hooks (if any) have had their say. grad: held
// once by the engine (the closure's result, or the seed).
void accumulate_into_leaf(TensorImpl* leaf, const Tensor& grad, bool create_graph) {
  if (leaf->hooks.empty()) return accumulate_unhooked(leaf, grad, create_graph, 1);
  Tensor g = grad;
  for (const TensorHook& hook : leaf->hooks) {
    Tensor r = hook(g);
    if (r.defined()) g = r;
  }
  accumulate_unhooked(leaf, g, create_graph, g.impl() == grad.impl() ? 2 : 1);
}

// The node whose backward closure runs on this thread, while the gradients
// of its leaf inputs go straight into their .grad (backward() without
// create_graph); null otherwise. accumulate_product() adds into a leaf's
// .grad only while it is set.
__attribute__((tls_model("initial-exec"))) thread_local Node* accumulating_node = nullptr;
// The number of the backward running on this thread (consume_product checks
// a leaf's count against it).
thread_local uint64_t running_visit = 0;

// Counts one more edge into a leaf with a consumer, in the backward `visit`.
void count_for_consumer(TensorImpl* leaf, uint64_t visit) {
  if (leaf->consumer_visit != visit) {
    leaf->consumer_visit = visit;
    leaf->consumer_pending = 0;
  }
  leaf->consumer_pending++;
}

// One edge into a consumer's leaf has delivered (a gradient or none): after
// the last, the consumer takes what .grad holds.
void delivered_to_consumer(const RefPtr<TensorImpl>& leaf, uint64_t visit) {
  if (leaf->consumer_visit != visit || --leaf->consumer_pending != 0 || !leaf->grad) return;
  Tensor grad(std::move(leaf->grad));  // leaves .grad none
  leaf->consumer->take(Tensor(leaf), grad);
}

// n's backward closure on its output's gradient g, which it takes over.
// into_grad: n's leaf inputs accumulate into their .grad (see above).
Grads run_closure(Node& n, Tensor&& g, bool into_grad) {
  struct Restore {  // a closure may run a backward of its own
    Node* prev = accumulating_node;
    ~Restore() { accumulating_node = prev; }
  } restore;
  if (__builtin_expect(detail::anomaly_enabled, 0)) {
    // Name this node in anomalies raised by the ops its closure runs.
    struct Running {
      const char* prev = detail::running_backward;
      ~Running() { detail::running_backward = prev; }
    } running;
    detail::running_backward = n.name;
    accumulating_node = nullptr;  // every gradient passes the engine's finite check
    return n.apply(std::move(g));
  }
  accumulating_node = into_grad ? &n : nullptr;
  return n.apply(std::move(g));
}

struct Capture {
  std::unordered_map<const TensorImpl*, size_t> leaves;  // leaf input -> result slot
  std::unordered_map<const Node*, size_t> nodes;         // non-leaf input -> slot
  std::vector<Tensor> results;
};

void run_backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
                  bool create_graph, Capture* capture) {
  NABLA_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), "backward", "got ", grad_outputs.size(),
              " gradients for ", outputs.size(), " outputs");
  retain_graph = retain_graph || create_graph;
  const uint64_t visit = ++visit_counter;

  // 1. Seed the outputs' gradients and find every node reachable from them,
  //    counting for each how many edges lead into it.
  std::vector<Node*> stack;
  std::vector<RefPtr<Node>> roots;
  std::vector<RefPtr<TensorImpl>> consumer_roots;  // outputs that are leaves with a consumer
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& y = outputs[i];
    NABLA_CHECK(y.defined() && y.requires_grad(), "backward", "output ", i,
                " does not require grad: nothing to differentiate (did you call detach() or run "
                "under NoGradGuard?)");
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      NABLA_CHECK(y.numel() == 1, "backward",
                  "grad can be implied only for one-element outputs, but the output has "
                  "shape ",
                  shape_str(y.shape()), "; pass a gradient of that shape");
      g = ones_like(y);
    }
    NABLA_CHECK(g.shape() == y.shape(), "backward", "gradient of shape ", shape_str(g.shape()),
                " does not match the output's shape ", shape_str(y.shape()));
    if (!y.grad_fn()) {  // a leaf: its gradient is the seed
      if (capture) {
        auto it = capture->leaves.find(y.impl());
        if (it != capture->leaves.end()) capture->results[it->second] = add_grads(capture->results[it->second], g);
      } else {
        accumulate_into_leaf(y.impl(), g, create_graph);
        if (y.impl()->consumer) {  // handed over after the graph's own edges into it
          count_for_consumer(y.impl(), visit);
          consumer_roots.push_back(y.impl_ptr());
        }
      }
      continue;
    }
    Node* n = y.grad_fn().get();
    roots.push_back(y.grad_fn());
    if (n->visit != visit) {
      n->visit = visit;
      n->pending = 0;
      n->grad = Tensor();
      stack.push_back(n);
    }
    n->grad = add_grads(n->grad, g);
  }
  std::vector<Node*> order_seen;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    order_seen.push_back(n);
    for (Edge& e : n->inputs) {
      if (e.leaf && e.leaf->consumer && !capture) count_for_consumer(e.leaf.get(), visit);
      if (!e.node) continue;
      Node* m = e.node.get();
      if (m->visit != visit) {
        m->visit = visit;
        m->pending = 0;
        if (m->grad.defined()) m->grad = Tensor();  // left over from an interrupted backward
        stack.push_back(m);
      }
      m->pending++;
    }
  }

  // 2. Run nodes whose every consumer has already passed its gradient down.
  GradMode::set_enabled(create_graph);
  struct RestoreGradMode {
    bool prev;
    ~RestoreGradMode() { GradMode::set_enabled(prev); }
  } restore{true};
  const bool into_grad = !capture && !create_graph;
  struct RestoreVisit {
    uint64_t prev = running_visit;
    ~RestoreVisit() { running_visit = prev; }
  } restore_visit;
  running_visit = visit;
  std::vector<Node*> ready;
  for (const auto& r : roots)
    if (r->pending == 0 && (ready.empty() || std::find(ready.begin(), ready.end(), r.get()) == ready.end()))
      ready.push_back(r.get());

  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    Tensor g = std::move(n->grad);  // leaves n->grad undefined
    if (g.defined() && n->extras) {
      for (const TensorHook& hook : n->extras->hooks) {
        Tensor r = hook(g);
        if (r.defined()) g = r;
      }
      if (TensorImpl* kept = n->extras->retained) kept->grad = (create_graph ? g : g.detach()).impl_ptr();
    }
    if (g.defined() && capture) {
      auto it = capture->nodes.find(n);
      if (it != capture->nodes.end()) capture->results[it->second] = add_grads(capture->results[it->second], g);
    }
    if (g.defined()) {
      NABLA_CHECK(!n->released, n->name,
                  "trying to run backward through the graph a second time, but its "
                  "saved tensors were freed by the first backward; pass retain_graph=true the first time");
      for (const SavedVersion& s : n->saved)
        NABLA_CHECK(s.storage->version == s.version, n->name,
                    "a tensor saved for backward was modified in place "
                    "(version ",
                    s.storage->version, ", expected ", s.version,
                    "); use an out-of-place op or clone() it "
                    "before the in-place change");
    }
    if (g.defined() && !create_graph && n->extras && n->extras->input_window && n->inputs.size() == 1 &&
        n->inputs[0].node) {
      add_into_window(*n, g);
      if (!retain_graph) {
        n->release();
        n->released = true;
      }
      Node* m = n->inputs[0].node.get();
      if (--m->pending == 0) ready.push_back(m);
      continue;
    }
    const bool has_grad = g.defined();
    Grads grads = has_grad ? run_closure(*n, std::move(g), into_grad) : Grads();
    NABLA_CHECK(!has_grad || grads.size() == n->inputs.size(), n->name, "backward returned ", grads.size(),
                " gradients for ", n->inputs.size(), " inputs");
    if (detail::anomaly_enabled)
      for (size_t i = 0; i < grads.size(); ++i) {
        const std::string what = "its backward's gradient for input " + std::to_string(i);
        detail::check_finite(grads[i], n->name, what.c_str());
      }
    if (!retain_graph) {
      n->release();
      n->released = true;
    }
    static const Tensor none;
    for (size_t i = 0; i < n->inputs.size(); ++i) {
      Edge& e = n->inputs[i];
      const Tensor& gi = i < grads.size() ? grads[i] : none;
      if (e.node) {
        Node* m = e.node.get();
        if (gi.defined()) {
          check_grad_shape(gi, m->shape, n->name, i);
          if (m->grad.defined())
            m->grad = m->grad + gi;
          else
            m->grad = std::move(grads[i]);  // grads[i] is not read again
        }
        if (--m->pending == 0) ready.push_back(m);
      } else if (e.leaf) {
        if (gi.defined()) {
          check_grad_shape(gi, e.leaf->shape, n->name, i);
          if (capture) {
            auto it = capture->leaves.find(e.leaf.get());
            if (it != capture->leaves.end()) capture->results[it->second] = add_grads(capture->results[it->second], gi);
          } else {
            accumulate_into_leaf(e.leaf.get(), gi, create_graph);
          }
        }
        if (e.leaf->consumer && !capture) delivered_to_consumer(e.leaf, visit);
      }
    }
  }
  for (const RefPtr<TensorImpl>& leaf : consumer_roots) delivered_to_consumer(leaf, visit);
  // Nodes never reached (their gradient did not flow) keep no scratch.
  for (Node* n : order_seen)
    if (n->grad.defined()) n->grad = Tensor();
}

}  // namespace

// What accumulate_unhooked() would do with dy·x for this leaf - add it into
// a .grad that does not require grad, in place - done in one pass. The first
// gradient of a leaf is taken whole by the engine instead.
bool accumulate_product(size_t input, const Tensor& dy, const Tensor& x) {
  const Node* n = accumulating_node;
  if (!n || input >= n->inputs.size()) return false;
  const TensorImpl* leaf = n->inputs[input].leaf.get();
  if (!leaf || !leaf->grad || !leaf->hooks.empty() || !x.defined()) return false;
  // .grad, dy and x must line up element by element: one dtype, one device,
  // the leaf's shape, all dense.
  const TensorImpl *acc = leaf->grad.get(), *d = dy.impl(), *f = x.impl();
  const DType dtype = acc->dtype;
  if (!is_floating(dtype) || d->dtype != dtype || f->dtype != dtype || acc->requires_grad) return false;
  if (!(acc->contiguous && d->contiguous && f->contiguous)) return false;
  if (acc->shape != leaf->shape || d->shape != leaf->shape || f->shape != leaf->shape) return false;
  Storage& s = *acc->storage;
  if (d->storage->device != s.device || f->storage->device != s.device) return false;
  if (::nabla::detail::capture_running()) ::nabla::detail::keep_for_capture({acc, d, f});
  const size_t item = dtype_size(dtype);
  kernels::add_product_dense(dtype, s.device, static_cast<char*>(s.data) + acc->offset * item,
                             static_cast<char*>(d->storage->data) + d->offset * item,
                             static_cast<char*>(f->storage->data) + f->offset * item, acc->numel);
  s.version++;  // as add_() would
  return true;
}

// Offers the gradient a·b of a leaf input to its consumer, when the engine
// would hand the consumer exactly that: it is the leaf's last gradient to
// come in this backward, and nothing else is to be added to it or seen.
uint64_t backward_pass() { return running_visit; }

bool consume_product(size_t input, const Tensor& a, const Tensor& b) {
  const Node* n = accumulating_node;
  if (!n || input >= n->inputs.size()) return false;
  const RefPtr<TensorImpl>& leaf = n->inputs[input].leaf;
  if (!leaf || !leaf->consumer || leaf->grad || !leaf->hooks.empty()) return false;
  if (leaf->consumer_visit != running_visit || leaf->consumer_pending != 1) return false;
  return leaf->consumer->take_product(Tensor(leaf), a, b);
}

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              bool create_graph) {
  run_backward(outputs, grad_outputs, retain_graph, create_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph,
                         bool allow_unused) {
  Capture capture;
  capture.results.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    NABLA_CHECK(x.defined() && x.requires_grad(), "grad", "input ", i, " does not require grad");
    if (x.grad_fn())
      capture.nodes[x.grad_fn().get()] = i;
    else
      capture.leaves[x.impl()] = i;
  }
  run_backward(outputs, grad_outputs, retain_graph, create_graph, &capture);
  for (size_t i = 0; i < inputs.size(); ++i)
    NABLA_CHECK(allow_unused || capture.results[i].defined(), "grad", "input ", i,
                " was not used to compute the outputs; pass allow_unused=true to get an undefined gradient");
  return capture.results;
}

}  // namespace nabla::autograd
