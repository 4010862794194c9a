// Uses an installed nabla: builds f(x) = sum(tanh(x) * x), runs backward and
// checks df/dx against central differences. Exits non-zero on a mismatch.
#include <nabla/nabla.h>
#include <cmath>
#include <cstdio>

using namespace nabla;

// f evaluated without autograd, on a copy of x with element j moved by h.
static double f_at(const Tensor& x, int64_t j, double h) {
  Tensor y = x.detach().clone().contiguous();
  y.data<double>()[j] += h;
  return sum(tanh(y) * y).item();
}

int main() {
  Tensor x = tensor({{0.5, -1.0, 2.0}, {0.1, 0.7, -0.3}}, kFloat64).requires_grad_();
  Tensor f = sum(tanh(x) * x);
  f.backward();

  const double eps = 1e-6;
  Tensor grad = x.grad().contiguous();
  const double* dx = grad.data<double>();
  int failures = 0;
  for (int64_t j = 0; j < x.numel(); ++j) {
    double numerical = (f_at(x, j, eps) - f_at(x, j, -eps)) / (2 * eps);
    if (std::fabs(dx[j] - numerical) > 1e-6 + 1e-4 * std::fabs(numerical)) {
      std::printf("mismatch at %lld: autograd %.9f, finite differences %.9f\n", static_cast<long long>(j), dx[j],
                  numerical);
      ++failures;
    }
  }
  std::printf("f = %.6f; %lld gradient elements checked, %d mismatched\n", f.item(), static_cast<long long>(x.numel()),
              failures);
  return failures == 0 ? 0 : 1;
}
