// The smallest tour of nabla: build an expression, run backward, look at
// the values and gradients (and the graph, as Graphviz DOT).
#include <nabla/nabla.h>
#include <iostream>

using namespace nabla;

int main() {
  // Two leaves that require grad: a 2x3 input and a 3x2 weight.
  Tensor x = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}).requires_grad_();
  Tensor w = tensor({{0.1, -0.2}, {0.3, 0.4}, {-0.5, 0.6}}).requires_grad_();

  // loss = mean(tanh(x @ w)²)
  Tensor h = tanh(matmul(x, w));
  Tensor loss = mean(h * h);
  loss.backward();

  std::cout << "x =\n" << x << "\n\nw =\n" << w << "\n\nloss = " << loss << "\n\n";
  std::cout << "dloss/dx =\n" << x.grad() << "\n\ndloss/dw =\n" << w.grad() << "\n\n";
  std::cout << "the graph (paste into `dot -Tpng`):\n" << to_dot(loss);
  return 0;
}
