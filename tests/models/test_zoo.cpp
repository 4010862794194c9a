// The model zoo (models/): parameter counts against the published numbers,
// output shapes, the registry, and values and gradients against PyTorch
// twins (tests/data/make_zoo_fixtures.py).
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace nabla;

namespace {

// Loads every entry of net's state dict from tests/data/models/<folder>/<key>.npy,
// so a parameter the fixture lacks (or a name that differs) fails the test.
void load_twin_weights(nn::Module& net, const std::string& folder) {
  StateDict sd;
  for (const auto& [key, value] : net.state_dict())
    sd.insert(key, testing::load_fixture("models/" + folder + "/" + key));
  net.load_state_dict(sd);  // strict: shapes and dtypes must match too
}

// Output, input gradient and one parameter gradient of sum(y * w) against PyTorch's.
void check_against_twin(nn::Module& net, const std::string& folder, const Tensor& param, const std::string& param_key) {
  load_twin_weights(net, folder);
  auto fixture = [&](const std::string& name) { return testing::load_fixture("models/" + folder + "/" + name); };
  Tensor x = fixture("x").requires_grad_();
  Tensor y = net(x);
  testing::require_close(y, fixture("y"), 1e-5);
  (y * fixture("w")).sum().backward();
  testing::require_close(x.grad(), fixture("dx"), 1e-5);
  testing::require_close(param.grad(), fixture("d" + param_key), 1e-5);
}

}  // namespace

TEST_CASE("zoo: parameter counts match the published numbers", "[zoo]") {
  // 784·128 + 128 + 128·64 + 64 + 64·10 + 10
  CHECK(models::fashion_mlp()->num_parameters() == 109386);
  // conv1 6·1·25 + 6, conv2 16·6·25 + 16, fc1 400·120 + 120, fc2 120·84 + 84, fc3 84·10 + 10
  CHECK(models::LeNet5().num_parameters() == 61706);
  // Dropout adds no parameters; other widths and channels count as they should.
  CHECK(models::fashion_mlp(784, {128, 64}, 10, 0.2)->num_parameters() == 109386);
  CHECK(models::fashion_mlp(784, {16, 8}, 10)->num_parameters() == 784 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10);
  CHECK(models::LeNet5(3, 100).num_parameters() == 61706 + 2 * 6 * 25 + (84 * 90 + 90));
}

TEST_CASE("zoo: state dict names are the documented ones", "[zoo]") {
  std::vector<std::string> mlp_names, lenet_names;
  for (const auto& [key, value] : models::fashion_mlp()->state_dict()) mlp_names.push_back(key);
  for (const auto& [key, value] : models::LeNet5().state_dict()) lenet_names.push_back(key);
  CHECK(mlp_names == std::vector<std::string>{"mlp.0.weight", "mlp.0.bias", "mlp.1.weight", "mlp.1.bias",
                                              "mlp.2.weight", "mlp.2.bias"});
  CHECK(lenet_names == std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                                "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight",
                                                "fc3.bias"});
}

TEST_CASE("zoo: output shapes for odd batch sizes", "[zoo]") {
  NoGradGuard no_grad;
  auto mlp = models::fashion_mlp();
  CHECK(mlp->forward(zeros({3, 1, 28, 28})).shape() == Shape{3, 10});
  CHECK(mlp->forward(zeros({5, 784})).shape() == Shape{5, 10});  // already flat: Flatten leaves it
  models::LeNet5 lenet;
  CHECK(lenet(zeros({3, 1, 28, 28})).shape() == Shape{3, 10});
  CHECK(lenet(zeros({1, 1, 28, 28})).shape() == Shape{1, 10});
  models::LeNet5 rgb(3, 7);
  CHECK(rgb(zeros({3, 3, 28, 28})).shape() == Shape{3, 7});
  // The summary walks the layers in order and ends in the logits.
  std::string s = lenet.summary({3, 1, 28, 28});
  CHECK_THAT(s, Catch::Contains("pool2 (MaxPool2d)") && Catch::Contains("(3, 16, 5, 5)"));
  CHECK_THAT(s, Catch::Contains("Total params: 61706"));
}

TEST_CASE("zoo: LeNet5 names a wrong input shape", "[zoo][errors]") {
  models::LeNet5 lenet;
  REQUIRE_THROWS_WITH(lenet(zeros({3, 1, 32, 32})),
                      Catch::Contains("expected input [B, 1, 28, 28], got (3, 1, 32, 32)"));
  REQUIRE_THROWS_WITH(lenet(zeros({3, 784})), Catch::Contains("LeNet5.forward"));
  REQUIRE_THROWS_AS(models::LeNet5(0, 10), Error);
}

TEST_CASE("zoo: every listed model builds and maps its input to [B, classes]", "[zoo]") {
  const auto& infos = models::list_models();
  REQUIRE(infos.size() >= 2);
  std::vector<std::string> names;
  for (const models::ModelInfo& info : infos) {
    names.push_back(info.name);
    INFO(info.name);
    CHECK_FALSE(info.description.empty());
    for (int64_t classes : {10, 3}) {
      auto net = models::create_model(info.name, 1, classes);
      REQUIRE(net);
      Shape batch = {3};
      for (int64_t d : info.input_shape) batch.push_back(d);
      NoGradGuard no_grad;
      CHECK((*net)(zeros(batch)).shape() == Shape{3, classes});
    }
    // With C channels the example shape's channel dim becomes C.
    auto net3 = models::create_model(info.name, 3, 10);
    Shape batch3 = {2, 3};
    for (size_t i = 1; i < info.input_shape.size(); ++i) batch3.push_back(info.input_shape[i]);
    NoGradGuard no_grad;
    CHECK((*net3)(zeros(batch3)).shape() == Shape{2, 10});
  }
  CHECK(std::find(names.begin(), names.end(), "mlp") != names.end());
  CHECK(std::find(names.begin(), names.end(), "lenet5") != names.end());
  // The registry's models are the ones the factories build.
  CHECK(models::create_model("mlp")->num_parameters() == 109386);
  CHECK(models::create_model("lenet5")->num_parameters() == 61706);
}

TEST_CASE("zoo: an unknown model name lists the known ones", "[zoo][errors]") {
  REQUIRE_THROWS_AS(models::create_model("resnet50"), Error);
  std::string message;
  try {
    models::create_model("resnet50");
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK_THAT(message, Catch::Contains("create_model") && Catch::Contains("'resnet50'"));
  for (const models::ModelInfo& info : models::list_models()) CHECK_THAT(message, Catch::Contains(info.name));
  REQUIRE_THROWS_AS(models::create_model("mlp", 1, 0), Error);
}

TEST_CASE("zoo: fashion_mlp matches its PyTorch twin (values and gradients)", "[zoo]") {
  // The reduced-width twin (784-16-8-10) keeps the fixture small; same code path.
  auto net = models::fashion_mlp(784, {16, 8}, 10);
  Tensor w1;
  for (const auto& [key, p] : net->named_parameters())
    if (key == "mlp.1.weight") w1 = p;
  REQUIRE(w1.defined());
  check_against_twin(*net, "mlp", w1, "mlp.1.weight");
}

TEST_CASE("zoo: LeNet5 matches its PyTorch twin (values and gradients)", "[zoo]") {
  models::LeNet5 net;
  check_against_twin(net, "lenet5", net.conv1->weight, "conv1.weight");
}
