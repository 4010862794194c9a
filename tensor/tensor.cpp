// Tensor's own methods: metadata, conversions and in-place writes.
// (Differentiable methods live beside their backward in autograd/ops/.)
#include "tensor.h"

#include <new>

#include "../autograd/engine.h"
#include "../autograd/grad_mode.h"
#include "../autograd/node.h"
#include "../kernels/kernels.h"
#include "capture.h"
#include "creation.h"
#include "kernel_view.h"
#include "pool.h"

namespace nabla {

using detail::kview;

// A fresh tensor's TensorImpl and Storage share one pooled block: one
// allocation per op output instead of two. The Storage comes first, and the
// block is freed with it: views may keep the memory alive after the tensor
// that made it is gone. The TensorImpl holds a second reference to this
// "home" storage besides its `storage` field, so that the block outlives
// the TensorImpl even when that field is pointed elsewhere (Module::to does).
namespace {
constexpr size_t kImplOffset = (sizeof(Storage) + alignof(TensorImpl) - 1) / alignof(TensorImpl) * alignof(TensorImpl);
constexpr size_t kFreshBlockBytes = kImplOffset + sizeof(TensorImpl);
static_assert(alignof(Storage) <= 16 && alignof(TensorImpl) <= 16, "pooled blocks are 16-byte aligned");

Storage* home_storage(TensorImpl* t) {
  return std::launder(reinterpret_cast<Storage*>(reinterpret_cast<char*>(t) - kImplOffset));
}
}  // namespace

Tensor empty(const Shape& shape, DType dtype, Device device) {
  void* block = detail::pool_allocate(kFreshBlockBytes);
  auto* storage = new (block) Storage();  // neither constructor throws
  auto* impl = new (static_cast<char*>(block) + kImplOffset) TensorImpl();
  storage->block_bytes = kFreshBlockBytes;
  storage->refs.increment();  // the home reference
  impl->in_storage_block = true;
  impl->storage = RefPtr<Storage>::adopt(storage);
  Tensor t(RefPtr<TensorImpl>::adopt(impl));  // from here on, a throw frees both

  // Every op's output is made here, so the strides, the element count and
  // the check for negative sizes share one pass over the shape.
  impl->shape = shape;
  impl->strides.resize_for_overwrite(shape.size());
  int64_t stride = 1;
  bool negative = false, zero = false;
  for (size_t i = shape.size(); i-- > 0;) {
    const int64_t d = shape[i];
    impl->strides[i] = stride;
    negative |= d < 0;
    zero |= d == 0;
    stride *= d > 1 ? d : 1;
  }
  NABLA_CHECK(!negative, "empty", "negative dimension in shape ", shape_str(shape));
  const int64_t count = zero ? 0 : stride;
  storage->take_memory(static_cast<size_t>(count) * dtype_size(dtype), device);
  impl->dtype = dtype;
  impl->numel = count;  // contiguous: true from the initialiser
  return t;
}

// Defined here, not "= default" in the class, so that value-initialisation
// runs the member initialisers instead of zero-filling the object first:
// one of these is made per op.
TensorImpl::TensorImpl() = default;
TensorImpl::~TensorImpl() = default;

void ref_destroy(TensorImpl* t) {
  // A node that keeps this tensor's gradient (retain_grad) must not write
  // to it any more.
  if (__builtin_expect(t->retains_grad, 0) && t->grad_fn && t->grad_fn->extras) t->grad_fn->extras->retained = nullptr;
  if (!t->in_storage_block) {
    t->~TensorImpl();
    detail::pool_deallocate(t, sizeof(TensorImpl));
    return;
  }
  Storage* home = home_storage(t);
  t->~TensorImpl();
  if (home->refs.decrement()) ref_destroy(home);  // frees the block t sat in
}

Tensor tensor_over(RefPtr<Storage> storage, const Shape& shape, const Shape& strides, int64_t offset, DType dtype) {
  auto impl = RefPtr<TensorImpl>::adopt(detail::pool_new<TensorImpl>());  // freed by ref_destroy above
  impl->storage = std::move(storage);
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = dtype;
  impl->numel = numel(shape);
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0 && impl->contiguous;) {
    if (shape[i] == 1) continue;
    impl->contiguous = strides[i] == expected;
    expected *= shape[i];
  }
  return Tensor(std::move(impl));
}

bool Tensor::storage_is_exclusive() const {
  // A fresh tensor's storage also counts the home reference of the block
  // (see empty() above), unless the storage was since replaced.
  const bool home = impl_->in_storage_block && home_storage(impl_.get()) == impl_->storage.get();
  return impl_->storage.use_count() == (home ? 2 : 1);
}

int64_t Tensor::size(int64_t axis) const { return shape()[wrap_axis(axis, ndim(), "size")]; }

template <class T>
T Tensor::item() const {
  NABLA_CHECK(defined(), "item", "the tensor is undefined");
  detail::check_not_capturing("item", "reads a value on the host (a replay would not read it again)");
  NABLA_CHECK(numel() == 1, "item", "only one-element tensors can be converted to a scalar, got shape ",
              shape_str(shape()));
  Tensor c = device().is_cpu() ? *this : to(Device::cpu());
  T value{};
  NABLA_DISPATCH_ALL(dtype(), S, value = static_cast<T>(*static_cast<const S*>(c.raw_data())));
  return value;
}
template double Tensor::item<double>() const;
template float Tensor::item<float>() const;
template int64_t Tensor::item<int64_t>() const;
template int Tensor::item<int>() const;
template bool Tensor::item<bool>() const;

// ---- autograd --------------------------------------------------------------

Tensor& Tensor::requires_grad_(bool value) {
  NABLA_CHECK(is_leaf(), "requires_grad_", "only leaf tensors can change requires_grad; this one was made by '",
              impl_->grad_fn->name, "' (use detach() to get a leaf)");
  NABLA_CHECK(!value || is_floating(dtype()), "requires_grad_", "only floating-point tensors can require grad, got ",
              dtype_name(dtype()));
  impl_->requires_grad = value;
  return *this;
}

void Tensor::zero_grad() const { impl_->grad.reset(); }

void Tensor::backward(const Tensor& grad, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, {grad}, retain_graph, create_graph);
}

Tensor Tensor::detach() const { return tensor_over(impl_->storage, shape(), strides(), offset(), dtype()); }

void Tensor::register_hook(TensorHook hook) const {
  NABLA_CHECK(requires_grad(), "register_hook", "the tensor does not require grad, so no gradient will reach the hook");
  if (impl_->grad_fn)
    impl_->grad_fn->extra().hooks.push_back(std::move(hook));
  else
    impl_->hooks.push_back(std::move(hook));
}

void Tensor::retain_grad() const {
  NABLA_CHECK(requires_grad(), "retain_grad", "the tensor does not require grad");
  if (impl_->grad_fn) impl_->grad_fn->extra().retained = impl_.get();  // cleared if this tensor dies first
  impl_->retains_grad = true;
}

// ---- conversions -------------------------------------------------------------

Tensor Tensor::to(DType dtype) const { return dtype == this->dtype() ? *this : astype(dtype); }

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor out = empty(shape(), dtype(), device);
  kernels::copy(kview(out), kview(*this));
  return out;
}

// ---- in-place writes ------------------------------------------------------------

namespace {
// In-place writes are not recorded: refuse them where autograd would need them.
void check_inplace(const Tensor& t, const char* op) {
  NABLA_CHECK(t.defined(), op, "the tensor is undefined");
  NABLA_CHECK(!t.requires_grad() || !GradMode::is_enabled(), op,
              "in-place write to a tensor that requires grad (shape ", shape_str(t.shape()),
              "); use the out-of-place op, or wrap the update in NoGradGuard (as optimizers do)");
}
}  // namespace

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  kernels::fill(kview(*this), value);
  bump_version();
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  NABLA_CHECK(src.defined(), "copy_", "the source tensor is undefined");
  Shape bshape = broadcast_shapes(shape(), src.shape(), "copy_");
  NABLA_CHECK(bshape == shape(), "copy_", "source of shape ", shape_str(src.shape()),
              " cannot be broadcast to the destination's shape ", shape_str(shape()));
  Shape strides;
  kernels::copy(kview(*this), detail::kview_broadcast(src, shape(), strides));
  bump_version();
  return *this;
}

bool detail::add_dense_into(TensorImpl& acc, const Tensor& t) {
  const TensorImpl& o = *t.impl();
  if (!acc.contiguous || o.dtype != acc.dtype || o.shape != acc.shape || o.storage->device != acc.storage->device)
    return false;
  const int64_t step = dense_step(t);
  if (step < 0) return false;
  if (capture_running()) keep_for_capture({&acc, &o});
  const size_t item = dtype_size(acc.dtype);
  char* out = static_cast<char*>(acc.storage->data) + acc.offset * item;
  kernels::binary_dense(kernels::BinaryOp::Add, acc.dtype, acc.storage->device, out, out, 1,
                        static_cast<char*>(o.storage->data) + o.offset * item, step, acc.numel);
  acc.storage->version++;
  return true;
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_inplace(*this, "add_");
  NABLA_CHECK(other.defined(), "add_", "the operand is undefined");
  if (alpha == 1.0 && detail::add_dense_into(*impl_, other)) return *this;  // gradient accumulation, most often
  NABLA_CHECK(broadcast_shapes(shape(), other.shape(), "add_") == shape(), "add_", "operand of shape ",
              shape_str(other.shape()), " cannot be broadcast to ", shape_str(shape()));
  NABLA_CHECK(other.device() == device(), "add_", "tensors on different devices: ", device().str(), " and ",
              other.device().str());
  Tensor o = other.to(dtype());
  Shape strides;
  kernels::View ov = detail::kview_broadcast(o, shape(), strides);
  if (alpha == 1.0) {
    kernels::binary(kernels::BinaryOp::Add, kview(*this), kview(*this), ov);
  } else {
    Tensor scaled = empty(shape(), dtype(), device());
    Tensor a = full({}, alpha, TensorOptions(dtype(), device()));
    Shape astrides;
    kernels::binary(kernels::BinaryOp::Mul, kview(scaled), ov, detail::kview_broadcast(a, shape(), astrides));
    kernels::binary(kernels::BinaryOp::Add, kview(*this), kview(*this), kview(scaled));
  }
  bump_version();
  return *this;
}

Tensor& Tensor::mul_(double value) {
  check_inplace(*this, "mul_");
  Tensor s = full({}, value, TensorOptions(dtype(), device()));
  Shape strides;
  kernels::binary(kernels::BinaryOp::Mul, kview(*this), kview(*this), detail::kview_broadcast(s, shape(), strides));
  bump_version();
  return *this;
}

Tensor& Tensor::masked_fill_(const Tensor& mask, double value) {
  check_inplace(*this, "masked_fill_");
  NABLA_CHECK(mask.dtype() == kBool, "masked_fill_", "mask must be bool, got ", dtype_name(mask.dtype()));
  NABLA_CHECK(broadcast_shapes(shape(), mask.shape(), "masked_fill_") == shape(), "masked_fill_", "mask of shape ",
              shape_str(mask.shape()), " cannot be broadcast to ", shape_str(shape()));
  Tensor v = full({}, value, TensorOptions(dtype(), device()));
  Shape ms, vs;
  kernels::where(kview(*this), detail::kview_broadcast(mask, shape(), ms), detail::kview_broadcast(v, shape(), vs),
                 kview(*this));
  bump_version();
  return *this;
}

}  // namespace nabla
