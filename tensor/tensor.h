// Tensor: a cheap handle (one RefPtr, ref_ptr.h) to a TensorImpl, which holds the
// view (shape, strides, offset, dtype) of a Storage plus autograd metadata.
//
// Copying a Tensor copies the handle, not the data: `Tensor b = a;` makes b
// the same tensor. Views (reshape, transpose, slicing...) make a new
// TensorImpl over the same Storage.
//
// The differentiable methods declared here (sum, reshape, operator[], ...) are
// defined next to their backward closures in autograd/ops/: this header only
// names them so that `x.sum()` reads as in NumPy/PyTorch.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device.h"
#include "dtype.h"
#include "error.h"
#include "ref_ptr.h"
#include "shape.h"
#include "storage.h"

namespace nabla {

class Tensor;
class TensorIndex;
namespace autograd {
struct Node;
struct GradConsumer;
}  // namespace autograd

using TensorHook = std::function<Tensor(const Tensor&)>;

struct TensorImpl {
  // Both out of line (tensor/tensor.cpp): they may free the autograd Node,
  // which this header does not define.
  TensorImpl();
  ~TensorImpl();
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;

  RefCount refs;
  bool in_storage_block = false;  // made by empty(): sits in its Storage's memory block
  RefPtr<Storage> storage;
  Shape shape;
  Shape strides;       // in elements
  int64_t offset = 0;  // in elements, from storage->data
  DType dtype = DType::Float32;
  // Kept in step with shape and strides by the few places that set them
  // (empty(), tensor_over(), and Module::to, which copies all four from
  // another tensor): every op asks for both, and computing them again is a
  // loop over the dims each time.
  bool contiguous = true;  // C order, dims of size 1 aside (Tensor::is_contiguous)
  int64_t numel = 0;       // the product of shape

  // autograd metadata (autograd/README.md tells the story)
  bool requires_grad = false;      // set on leaves by the user
  bool retains_grad = false;       // non-leaf keeps its .grad
  RefPtr<autograd::Node> grad_fn;  // the op that produced this tensor
  RefPtr<TensorImpl> grad;         // accumulated gradient (leaves)
  std::vector<TensorHook> hooks;   // leaf hooks (non-leaf hooks live on grad_fn)
  // Leaves only: what takes this leaf's gradient inside backward (an
  // optimizer's step_in_backward, autograd/grad_consumer.h; its owner sets
  // and clears it), and the engine's count of the gradients still to come
  // in the backward numbered consumer_visit.
  autograd::GradConsumer* consumer = nullptr;
  uint64_t consumer_visit = 0;
  int64_t consumer_pending = 0;
};

// Destroys t and frees its memory (RefPtr calls it when the last handle goes).
void ref_destroy(TensorImpl* t);

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor: no data; used for "no gradient"
  explicit Tensor(RefPtr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- metadata -----------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  const Shape& strides() const { return impl_->strides; }
  int64_t size(int64_t axis) const;  // negative axes count from the end
  int64_t ndim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t numel() const { return impl_->numel; }
  int64_t offset() const { return impl_->offset; }
  DType dtype() const { return impl_->dtype; }
  Device device() const { return impl_->storage->device; }
  bool is_contiguous() const { return impl_->contiguous; }
  size_t element_size() const { return dtype_size(impl_->dtype); }

  // Raw data of the first element; data<T>() checks T against dtype().
  void* raw_data() const { return static_cast<char*>(impl_->storage->data) + impl_->offset * element_size(); }
  template <class T>
  T* data() const {
    NABLA_CHECK(dtype_of<T>() == dtype(), "data", "requested ", dtype_name(dtype_of<T>()), " but the tensor is ",
                dtype_name(dtype()));
    return static_cast<T*>(raw_data());
  }
  // The value of a one-element tensor, converted to T.
  template <class T = double>
  T item() const;

  TensorImpl* impl() const { return impl_.get(); }
  const RefPtr<TensorImpl>& impl_ptr() const { return impl_; }
  const RefPtr<Storage>& storage() const { return impl_->storage; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  // True when no other TensorImpl (a view, a saved tensor's record) refers
  // to this tensor's storage, so writing it in place is seen by this tensor's
  // handles only. Autograd uses it to reuse gradient buffers.
  bool storage_is_exclusive() const;
  // Bumped by every in-place write; shared by views of one storage.
  uint32_t version() const { return impl_->storage->version; }
  void bump_version() const { impl_->storage->version++; }

  // ---- autograd (autograd/engine.cpp) ------------------------------------
  bool requires_grad() const { return impl_ && (impl_->requires_grad || impl_->grad_fn); }
  Tensor& requires_grad_(bool value = true);
  bool is_leaf() const { return !impl_->grad_fn; }
  Tensor grad() const { return Tensor(impl_->grad); }
  void set_grad(const Tensor& g) const { impl_->grad = g.impl_; }
  void zero_grad() const;  // drops .grad, as PyTorch's set_to_none=True
  const RefPtr<autograd::Node>& grad_fn() const { return impl_->grad_fn; }
  // Gradient of this tensor with respect to every leaf that requires grad,
  // accumulated (+=) into their .grad. `grad` defaults to ones for a
  // one-element tensor. See autograd/engine.h for retain_graph/create_graph.
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false, bool create_graph = false) const;
  // A new tensor sharing data, cut from the graph (no grad_fn, no requires_grad).
  Tensor detach() const;
  // hook(grad) runs when this tensor's gradient is computed; it may return a
  // replacement gradient or an undefined Tensor to keep it.
  void register_hook(TensorHook hook) const;
  // Keep .grad on a non-leaf tensor too.
  void retain_grad() const;

  // ---- conversions ---------------------------------------------------------
  Tensor astype(DType dtype) const;  // always a copy (NumPy semantics)
  Tensor to(DType dtype) const;      // no copy when the dtype already matches
  Tensor to(Device device) const;    // no copy when already there (not yet recorded by autograd)
  Tensor contiguous() const;         // self when already contiguous
  Tensor clone() const;              // a differentiable copy

  // ---- views (autograd/ops/view.cpp) --------------------------------------
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy
  Tensor view(const Shape& shape) const;     // a view or an error
  Tensor flatten(int64_t start_axis = 0, int64_t end_axis = -1) const;
  Tensor transpose(int64_t axis0, int64_t axis1) const;
  Tensor t() const;  // 2-D transpose (0-D/1-D: self)
  Tensor permute(const Shape& axes) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t axis) const;
  Tensor unsqueeze(int64_t axis) const;
  Tensor expand(const Shape& shape) const;  // broadcast_to
  Tensor narrow(int64_t axis, int64_t start, int64_t length) const;
  Tensor select(int64_t axis, int64_t index) const;

  // ---- indexing (autograd/ops/indexing.cpp) -------------------------------
  // NumPy-style: t.index({0, Slice(1, None, 2), newaxis, ellipsis, mask, idx}).
  Tensor index(const std::vector<TensorIndex>& indices) const;
  Tensor operator[](int64_t i) const { return select(0, i); }
  // In-place assignment through an index; value broadcasts to the indexed shape.
  Tensor& index_put_(const std::vector<TensorIndex>& indices, const Tensor& value);
  Tensor& index_put_(const std::vector<TensorIndex>& indices, double value);

  // ---- common ops as methods (free functions are the primary API) ---------
  Tensor sum() const;
  Tensor sum(const Shape& axes, bool keepdims = false) const;
  Tensor mean() const;
  Tensor mean(const Shape& axes, bool keepdims = false) const;
  Tensor matmul(const Tensor& other) const;
  Tensor pow(double exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor abs() const;
  Tensor sqrt() const;
  Tensor relu() const;

  // ---- in-place (no autograd on tensors that require grad) ----------------
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  Tensor& copy_(const Tensor& src);  // broadcasts src, converts dtype
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& mul_(double value);
  Tensor& masked_fill_(const Tensor& mask, double value);

  // ---- printing (tensor/print.cpp) ----------------------------------------
  std::string str() const;

 private:
  RefPtr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- indices for Tensor::index ---------------------------------------------
constexpr std::nullopt_t None = std::nullopt;

// start:stop:step with NumPy semantics (negative values count from the end,
// a negative step walks backwards, None means "to the edge").
struct Slice {
  std::optional<int64_t> start, stop;
  int64_t step = 1;
  Slice(std::optional<int64_t> start_ = None, std::optional<int64_t> stop_ = None, int64_t step_ = 1)
      : start(start_), stop(stop_), step(step_) {}
};
struct NewAxis {};
struct Ellipsis {};
constexpr NewAxis newaxis{};
constexpr Ellipsis ellipsis{};

class TensorIndex {
 public:
  enum class Kind { Integer, Slice, NewAxis, Ellipsis, Tensor };
  TensorIndex(int64_t i) : kind_(Kind::Integer), integer_(i) {}
  TensorIndex(int i) : kind_(Kind::Integer), integer_(i) {}
  // x.index({true}) would silently mean x[1]; use a bool tensor as the mask.
  TensorIndex(bool) = delete;
  TensorIndex(Slice s) : kind_(Kind::Slice), slice_(s) {}
  TensorIndex(NewAxis) : kind_(Kind::NewAxis) {}
  TensorIndex(Ellipsis) : kind_(Kind::Ellipsis) {}
  TensorIndex(Tensor t) : kind_(Kind::Tensor), tensor_(std::move(t)) {}  // bool mask or int64 indices

  Kind kind() const { return kind_; }
  int64_t integer() const { return integer_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  int64_t integer_ = 0;
  Slice slice_;
  Tensor tensor_;
};

// Makes a tensor of `shape` with fresh (uninitialised) memory.
Tensor empty(const Shape& shape, DType dtype = kFloat32, Device device = Device::cpu());

// A tensor looking at `storage` with this layout (strides and offset in
// elements): how views, detach() and from_blob make their TensorImpl.
Tensor tensor_over(RefPtr<Storage> storage, const Shape& shape, const Shape& strides, int64_t offset, DType dtype);

}  // namespace nabla
