// A small training run for the trainer tests: three Gaussian blobs in 4-D
// (90 training and 30 validation points, batch 8, so the last batch of an
// epoch has 2), an MLP 4-16-3 with dropout, SGD with momentum, and noise
// added to every input by a random transform. Everything random is seeded,
// so two ToyRuns built alike train alike, bit for bit.
#pragma once
#include <nabla/nabla.h>

#include <cstring>
#include <memory>

namespace testing {

using namespace nabla;

// Blobs centred at (±2, …): class c's centre is 2·(e_c − e_{c+1}).
inline std::shared_ptr<data::TensorDataset> toy_blobs(int64_t n, uint64_t seed, bool noisy_transform) {
  Generator g(seed);
  Tensor x = randn({n, 4}, g);
  Tensor y = zeros({n}, kInt64);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = i % 3;
    y.data<int64_t>()[i] = c;
    x.data<float>()[i * 4 + c] += 2.0f;
    x.data<float>()[i * 4 + c + 1] -= 2.0f;
  }
  data::Transform noise = nullptr;
  if (noisy_transform)
    noise = [](const Tensor& input, Generator& gen) { return input + randn(input.shape(), gen) * 0.1; };
  return std::make_shared<data::TensorDataset>(x, y, noise);
}

struct ToyOptions {
  uint64_t init_seed = 1;  // the model's initial weights
  double lr = 0.1;
  double momentum = 0.9;
  bool shuffle = true;
  int64_t batch_size = 8;
  double dropout = 0.2;
  bool prefetch = true;
};

struct ToyRun {
  std::shared_ptr<nn::Sequential> model;
  std::unique_ptr<optim::SGD> sgd;
  std::unique_ptr<data::DataLoader> train, val;
  std::unique_ptr<trainer::Trainer> trainer;

  explicit ToyRun(trainer::TrainerOptions options = quiet(), ToyOptions toy = {}) {
    Generator init(toy.init_seed);
    model = std::make_shared<nn::Sequential>(nn::Linear(4, 16, true, nn::functional::Activation::ReLU, init),
                                             nn::Dropout(toy.dropout),
                                             nn::Linear(16, 3, true, nn::functional::Activation::None, init));
    sgd = std::make_unique<optim::SGD>(model->parameters(), optim::Options{{"lr", toy.lr}, {"momentum", toy.momentum}});
    data::DataLoaderOptions lo;
    lo.batch_size = toy.batch_size;
    lo.shuffle = toy.shuffle;
    lo.seed = 11;
    lo.prefetch = toy.prefetch;
    train = std::make_unique<data::DataLoader>(toy_blobs(90, 3, true), lo);
    data::DataLoaderOptions vo;
    vo.batch_size = 7;
    val = std::make_unique<data::DataLoader>(toy_blobs(30, 4, false), vo);
    trainer = std::make_unique<trainer::Trainer>(
        *model, *sgd, [](const Tensor& out, const Tensor& y) { return nn::functional::cross_entropy(out, y); },
        options);
  }

  static trainer::TrainerOptions quiet() {
    trainer::TrainerOptions o;
    o.progress = false;
    return o;
  }

  trainer::FitResult fit(int64_t epochs) { return trainer->fit(*train, val.get(), epochs); }
};

// Ends fit() after batch `at` (as a callback of the user's might).
struct StopAt : trainer::Callback {
  explicit StopAt(int64_t at) : at(at) {}
  std::string name() const override { return "stop_at"; }
  void on_batch_end(trainer::Trainer& t, const data::Batch&, const trainer::StepOutput&) override {
    if (t.step() == at) t.request_stop("stop_at");
  }
  int64_t at;
};

// The parameters' bytes, for bit-for-bit comparisons.
inline std::vector<std::vector<uint32_t>> param_bits(nn::Module& m) {
  std::vector<std::vector<uint32_t>> out;
  for (const Tensor& p : m.parameters()) {
    Tensor c = p.detach().contiguous();
    std::vector<uint32_t> bits(static_cast<size_t>(c.numel()));
    std::memcpy(bits.data(), c.data<float>(), bits.size() * sizeof(float));
    out.push_back(std::move(bits));
  }
  return out;
}

}  // namespace testing
