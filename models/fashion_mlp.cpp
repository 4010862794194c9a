#include "fashion_mlp.h"

#include "../nn/container.h"
#include "../nn/mlp.h"
#include "../nn/reshape.h"

namespace nabla::models {

std::shared_ptr<nn::Module> fashion_mlp(int64_t in_features, std::vector<int64_t> hidden, int64_t classes,
                                        double dropout) {
  auto net = std::make_shared<nn::Sequential>();
  // Named children (not "0", "1") so the state dict says what each part is.
  net->push_back("flatten", std::make_shared<nn::Flatten>());
  net->push_back("mlp",
                 std::make_shared<nn::MLP>(in_features, hidden, classes, nn::functional::Activation::ReLU, dropout));
  return net;
}

}  // namespace nabla::models
