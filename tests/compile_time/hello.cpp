// A 10-line program on the umbrella header: check_umbrella_header.sh fails
// when it takes over 10 s to compile or pulls in Eigen or CUDA headers.
#include <nabla/nabla.h>

int main() {
  nabla::Tensor x = nabla::tensor({1.0, 2.0, 3.0}).requires_grad_();
  nabla::Tensor y = nabla::sum(x * x);
  y.backward();
  return x.grad().numel() == 3 ? 0 : 1;
}
