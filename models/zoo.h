// The model zoo: the models a program can ask for by name (nabla-train's
// --model flag, benchmarks), each built from nn/ with PyTorch's default
// initialisation.
//
//   name     model                                       params (1 channel, 10 classes)
//   mlp      fashion_mlp(): 784-128-64-10, ReLU         109,386
//   lenet5   LeNet5: 2 conv + 3 fully connected layers   61,706
//
//   for (const auto& m : models::list_models()) std::cout << m.name << ": " << m.description << "\n";
//   auto net = models::create_model("lenet5");            // in_channels 1, 10 classes
//   std::cout << net->summary({64, 1, 28, 28});
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../nn/module.h"

namespace nabla::models {

struct ModelInfo {
  std::string name, description;
  // One example, without the batch dim, for in_channels = 1: {1, 28, 28}.
  // With in_channels = C the model takes {C, 28, 28}.
  Shape input_shape;
};

// Every model create_model knows, in a fixed order.
const std::vector<ModelInfo>& list_models();

// A fresh model (new parameters) of that name, for images with in_channels
// channels and `classes` output logits. An unknown name is an Error that
// lists the known ones.
std::shared_ptr<nn::Module> create_model(const std::string& name, int64_t in_channels = 1, int64_t classes = 10);

}  // namespace nabla::models
