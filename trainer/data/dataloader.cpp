#include "dataloader.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "../../autograd/grad_mode.h"
#include "../../autograd/ops/join.h"
#include "../../tensor/creation.h"

namespace nabla::data {

namespace {

// Distinct streams for the shuffle and the transforms, so that they never share numbers.
constexpr uint64_t kShuffleStream = 1, kTransformStream = 2;

}  // namespace

Batch default_collate(const std::vector<Example>& examples) {
  NABLA_CHECK(!examples.empty(), "default_collate", "got no examples");
  std::vector<Tensor> inputs, targets;
  inputs.reserve(examples.size());
  targets.reserve(examples.size());
  for (const Example& e : examples) {
    inputs.push_back(e.input);
    targets.push_back(e.target);
  }
  return {stack(inputs), stack(targets)};
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options, Collate collate)
    : dataset_(std::move(dataset)), options_(options), collate_(std::move(collate)) {
  NABLA_CHECK(dataset_ != nullptr, "DataLoader", "got no dataset");
  NABLA_CHECK(options_.batch_size > 0, "DataLoader", "batch_size must be > 0 (got ", options_.batch_size, ")");
  NABLA_CHECK(collate_ != nullptr, "DataLoader", "got an empty collate function");
  start_epoch(0);
}

DataLoader::~DataLoader() { stop_worker(); }

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_->size(), bs = options_.batch_size;
  return options_.drop_last ? n / bs : (n + bs - 1) / bs;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  std::vector<int64_t> idx(static_cast<size_t>(dataset_->size()));
  std::iota(idx.begin(), idx.end(), int64_t{0});
  if (!options_.shuffle || idx.size() < 2) return idx;
  // Fisher-Yates with one uniform draw per position, from a generator that
  // depends only on (seed, epoch).
  Generator gen(mix_seeds(mix_seeds(options_.seed, kShuffleStream), static_cast<uint64_t>(epoch)));
  Tensor u = rand({static_cast<int64_t>(idx.size())}, gen, kFloat64);
  const double* up = u.data<double>();
  for (size_t i = idx.size() - 1; i > 0; --i) {
    size_t j = static_cast<size_t>(up[i] * static_cast<double>(i + 1));
    if (j > i) j = i;
    std::swap(idx[i], idx[j]);
  }
  return idx;
}

void DataLoader::start_epoch(int64_t epoch) {
  NABLA_CHECK(epoch >= 0, "DataLoader::start_epoch", "epoch must be >= 0 (got ", epoch, ")");
  stop_worker();
  epoch_ = epoch;
  batch_ = 0;
  order_ = order(epoch);
}

Batch DataLoader::make_batch(int64_t batch) const {
  NoGradGuard no_grad;  // data preparation records no graph (and is per thread)
  const int64_t n = dataset_->size();
  const int64_t first = batch * options_.batch_size;
  const int64_t last = std::min(first + options_.batch_size, n);
  const uint64_t epoch_seed = mix_seeds(mix_seeds(options_.seed, kTransformStream), static_cast<uint64_t>(epoch_));
  std::vector<Example> examples;
  examples.reserve(static_cast<size_t>(last - first));
  for (int64_t pos = first; pos < last; ++pos) {
    // Each example's own generator: its random transforms depend on (seed,
    // epoch, position) only, whatever ran before it and on whichever thread.
    Generator gen(mix_seeds(epoch_seed, static_cast<uint64_t>(pos)));
    examples.push_back(dataset_->get(order_[static_cast<size_t>(pos)], gen));
  }
  return collate_(examples);
}

bool DataLoader::next(Batch& out) {
  if (batch_ >= num_batches()) {
    start_epoch(epoch_ + 1);
    return false;
  }
  if (!options_.prefetch) {
    out = make_batch(batch_);
    ++batch_;
    return true;
  }
  if (!worker_.joinable()) start_worker();
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return !ready_.empty() || worker_done_; });
  if (ready_.empty()) {  // the worker stopped before this batch: it threw
    std::exception_ptr error = error_;
    lock.unlock();
    stop_worker();  // the next call starts a fresh worker at this same batch
    NABLA_CHECK(error != nullptr, "DataLoader::next", "the prefetch thread stopped early");
    std::rethrow_exception(error);
  }
  out = std::move(ready_.front());
  ready_.pop_front();
  lock.unlock();
  cv_.notify_all();
  ++batch_;
  return true;
}

void DataLoader::start_worker() {
  stop_ = worker_done_ = false;
  ready_.clear();
  error_ = nullptr;
  worker_ = std::thread(&DataLoader::worker_loop, this, batch_);
}

void DataLoader::worker_loop(int64_t first) {
  try {
    for (int64_t b = first; b < num_batches(); ++b) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stop_ || ready_.size() < kQueued; });
        if (stop_) break;
      }
      Batch batch = make_batch(b);  // outside the lock: the consumer keeps going meanwhile
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.push_back(std::move(batch));
      cv_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  worker_done_ = true;
  cv_.notify_all();
}

void DataLoader::stop_worker() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
  ready_.clear();  // batches built ahead are dropped: the position is batch_
  error_ = nullptr;
  stop_ = worker_done_ = false;
}

StateDict DataLoader::state_dict() const {
  StateDict sd;
  sd.insert("epoch", scalar_tensor(static_cast<double>(epoch_), kInt64));
  sd.insert("batch", scalar_tensor(static_cast<double>(batch_), kInt64));
  // The seed's 64 bits as an int64 (a double would round seeds above 2^53).
  Tensor seed = empty({}, kInt64);
  *seed.data<int64_t>() = static_cast<int64_t>(options_.seed);
  sd.insert("seed", seed);
  return sd;
}

void DataLoader::load_state_dict(const StateDict& state) {
  auto get = [&](const char* name) {
    const Tensor& t = state.at(name);
    NABLA_CHECK(t.numel() == 1 && t.dtype() == kInt64, "DataLoader::load_state_dict", "'", name,
                "' must be a one-element int64 tensor (got ", shape_str(t.shape()), " ", dtype_name(t.dtype()), ")");
    return t.contiguous().to(Device::cpu()).data<int64_t>()[0];
  };
  const int64_t epoch = get("epoch"), batch = get("batch"), seed = get("seed");
  stop_worker();
  options_.seed = static_cast<uint64_t>(seed);
  start_epoch(epoch);
  NABLA_CHECK(batch >= 0 && batch <= num_batches(), "DataLoader::load_state_dict", "batch ", batch,
              " out of range [0, ", num_batches(), "] for this dataset and batch size");
  batch_ = batch;
}

}  // namespace nabla::data
