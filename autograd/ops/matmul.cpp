#include "matmul.h"

#include "../../kernels/kernels.h"
#include "../../tensor/kernel_view.h"
#include "../record.h"
#include "arithmetic.h"
#include "forward.h"
#include "view.h"

namespace nabla {

using autograd::Grads;
using autograd::record;

namespace {

// [.., M, K] @ [.., K, N] for inputs with at least 2 dims; records nothing.
Tensor matmul_forward(const Tensor& a, const Tensor& b) {
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  if (a.ndim() == 2 && b.ndim() == 2) {
    // Most products (every Linear layer, forward and backward): one GEMM,
    // its operands viewed in place, without the reshapes below.
    Tensor y = empty({m, n}, a.dtype(), a.device());
    int64_t dy[6], da[6], db[6];
    kernels::matmul(detail::kview_matrix(y, dy), detail::kview_matrix(a, da), detail::kview_matrix(b, db));
    return y;
  }
  NoGradGuard guard;  // the reshapes below are plumbing, not graph
  Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  const int64_t nbatch = numel(batch);
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor y = empty(out_shape, a.dtype(), a.device());
  Tensor a3, b3;
  if (b.ndim() == 2 && a.ndim() > 2 && a.is_contiguous()) {
    // [.., M, K] @ [K, N]: one GEMM of (batch*M) rows.
    a3 = a.reshape({1, nbatch * m, k});
    b3 = b.unsqueeze(0);
  } else {
    Shape ea = batch, eb = batch;
    ea.push_back(m);
    ea.push_back(k);
    eb.push_back(k);
    eb.push_back(n);
    a3 = a.expand(ea).reshape({nbatch, m, k});
    b3 = b.expand(eb).reshape({nbatch, k, n});
  }
  Tensor y3 = y.reshape({a3.size(0), a3.size(1), n});
  kernels::matmul(detail::kview(y3), detail::kview(a3), detail::kview(b3));
  return y;
}

Tensor matmul_nd(const Tensor& a, const Tensor& b) {
  Tensor y = matmul_forward(a, b);
  return record("matmul", y, {a, b}, {a, b}, [a, b](const Tensor& dy) {
    Tensor da = a.requires_grad() ? sum_to(matmul(dy, b.transpose(-1, -2)), a.shape()) : Tensor();
    Tensor db;
    if (b.requires_grad()) {
      // 2-D: aᵀ·dy may go unformed to an optimizer stepping in backward
      // (asked only when b has one: the view aᵀ is an op's worth of time).
      const bool taken = a.ndim() == 2 && b.impl()->consumer && autograd::consume_product(1, a.t(), dy);
      if (!taken) db = sum_to(matmul(a.transpose(-1, -2), dy), b.shape());
    }
    return Grads{da, db};
  });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  detail::check_defined("matmul", a);
  detail::check_defined("matmul", b);
  detail::check_same_device("matmul", a, b);
  NABLA_CHECK(a.ndim() > 0 && b.ndim() > 0, "matmul", "both operands need at least 1 dim, got shapes ",
              shape_str(a.shape()), " and ", shape_str(b.shape()));
  NABLA_CHECK(a.dtype() != kBool && b.dtype() != kBool, "matmul", "bool operands are not supported (",
              dtype_name(a.dtype()), ", ", dtype_name(b.dtype()), ")");
  const int64_t ka = a.size(-1), kb = b.ndim() == 1 ? b.size(0) : b.size(-2);
  NABLA_CHECK(ka == kb, "matmul", "shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
              " are not aligned: ", ka, " != ", kb);
  DType dt = promote_types(a.dtype(), b.dtype());
  Tensor a2 = a.to(dt), b2 = b.to(dt);
  if (a2.ndim() == 1) a2 = a2.unsqueeze(0);
  if (b2.ndim() == 1) b2 = b2.unsqueeze(-1);
  Tensor y = matmul_nd(a2, b2);
  if (a.ndim() == 1) y = y.squeeze(-2);
  if (b.ndim() == 1) y = y.squeeze(-1);
  return y;
}

}  // namespace nabla
