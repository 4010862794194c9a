#include "mlp.h"

#include "activation.h"
#include "linear.h"

namespace nabla::nn {

MLP::MLP(int64_t in_features, const std::vector<int64_t>& hidden, int64_t out_features,
         functional::Activation activation, double dropout)
    : Sequential("MLP") {
  int64_t width = in_features;
  for (int64_t h : hidden) {
    push_back(std::make_shared<Linear>(width, h, true, activation));
    if (dropout > 0.0) push_back(std::make_shared<Dropout>(dropout));
    width = h;
  }
  push_back(std::make_shared<Linear>(width, out_features));
}

}  // namespace nabla::nn
