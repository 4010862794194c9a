// GradConsumer: takes a leaf's gradient inside backward, as soon as the
// backward has all of it, instead of leaving it in .grad - what an optimizer
// that steps inside backward is (optim::Optimizer::step_in_backward, as
// PyTorch's "optimizer step in backward" with post-accumulate-grad hooks).
//
// The engine counts, before it runs any closure, the edges into each leaf
// that has a consumer; as the last of them delivers, it hands the summed
// gradient (with whatever .grad held before) to take() and leaves .grad
// none. A leaf used twice (tied weights) is taken once, with both parts.
//
// A closure whose gradient for a leaf is a product a·b may offer it to the
// consumer unformed (consume_product, autograd/record.h): a consumer that
// can fuse the product into its update (SGD: kernels::sgd_step_product)
// then never has the gradient stored at all.
#pragma once
#include "../tensor/tensor.h"

namespace nabla::autograd {

struct GradConsumer {
  virtual ~GradConsumer() = default;
  // The leaf's whole gradient of this backward.
  virtual void take(const Tensor& leaf, const Tensor& grad) = 0;
  // The same with the gradient offered as the product a·b (2-D: a [m, k],
  // b [k, n], the leaf [m, n]) before it is computed: true when the
  // consumer took it without needing it formed; false to have it computed
  // and delivered to take().
  virtual bool take_product(const Tensor& leaf, const Tensor& a, const Tensor& b) {
    (void)leaf, (void)a, (void)b;
    return false;
  }
};

// The number of the backward pass running on this thread (each backward()
// or grad() call has its own, never reused), or 0 outside one: a consumer
// can read what stays fixed through a pass (an optimizer's options) once
// per pass instead of once per leaf.
uint64_t backward_pass();

}  // namespace nabla::autograd
