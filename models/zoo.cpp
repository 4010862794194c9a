#include "zoo.h"

#include "fashion_mlp.h"
#include "lenet.h"

namespace nabla::models {

const std::vector<ModelInfo>& list_models() {
  static const std::vector<ModelInfo> models = {
      {"mlp", "multi-layer perceptron 784-128-64-10 with ReLU (fashion_mlp)", {1, 28, 28}},
      {"lenet5", "LeNet-5 CNN: conv 6@5x5, pool, conv 16@5x5, pool, fc 120-84-10 with ReLU", {1, 28, 28}},
  };
  return models;
}

std::shared_ptr<nn::Module> create_model(const std::string& name, int64_t in_channels, int64_t classes) {
  NABLA_CHECK(in_channels > 0 && classes > 0, "create_model", "in_channels and classes must be positive, got ",
              in_channels, " and ", classes);
  if (name == "mlp") return fashion_mlp(in_channels * 28 * 28, {128, 64}, classes);
  if (name == "lenet5") return std::make_shared<LeNet5>(in_channels, classes);
  std::string known;
  for (const ModelInfo& m : list_models()) known += (known.empty() ? "" : ", ") + m.name;
  NABLA_CHECK(false, "create_model", "unknown model '", name, "'; known models: ", known);
  return nullptr;  // not reached: NABLA_CHECK(false, ...) throws
}

}  // namespace nabla::models
