// DataLoader: batches of a Dataset, shuffled reproducibly, prepared by a
// background thread, and resumable mid-epoch from a checkpoint.
//
//   DataLoader loader(train, {/*batch_size=*/64, /*shuffle=*/true});
//   for (int64_t e = loader.epoch(); e < kEpochs; e = loader.epoch())
//     for (const Batch& b : loader) step(b.input, b.target);   // the rest of epoch e
//
// Determinism: the order of epoch e is a pure function of (seed, e), and each
// example's random transforms draw from a Generator seeded from (seed, e,
// position in the epoch), never from a shared running stream. So the batches
// do not depend on prefetching, on timing, or on where a run was resumed:
// state_dict() saved after batch k of epoch e and loaded into a fresh loader
// yields batches k+1.. of epoch e, then the following epochs, bit for bit.
//
// Epochs: next() hands out the batches of the current epoch; when they are
// used up it returns false once and moves the loader to the start of the
// next epoch. start_epoch(e) jumps to the start of any epoch.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../../tensor/state_dict.h"
#include "dataset.h"

namespace nabla::data {

struct Batch {
  Tensor input, target;
};

// Stacks inputs and targets along a new first axis ([B, ...] each).
Batch default_collate(const std::vector<Example>& examples);
using Collate = std::function<Batch(const std::vector<Example>&)>;

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;  // leave out a last, smaller batch
  uint64_t seed = 0;       // the shuffle order and random transforms
  bool prefetch = true;    // prepare the next batch on a background thread
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {}, Collate collate = default_collate);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t num_batches() const;  // per epoch
  int64_t epoch() const { return epoch_; }
  int64_t batch_index() const { return batch_; }  // batches of this epoch already handed out
  const DataLoaderOptions& options() const { return options_; }

  // Moves to the start of epoch `epoch` (stops any prefetching).
  void start_epoch(int64_t epoch);
  // The next batch of the current epoch into `out`, or false (once) at its
  // end, after which the loader stands at the start of the next epoch.
  // An exception thrown while building a batch (also on the prefetch thread)
  // comes out of here; the loader stays at that batch.
  bool next(Batch& out);

  // {"epoch", "batch", "seed"} as 0-d int64 tensors.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

  // The dataset indices of epoch `epoch`, in the order they are served.
  std::vector<int64_t> order(int64_t epoch) const;

  // Range-for over the rest of the current epoch.
  class Iterator {
   public:
    Iterator(DataLoader* loader) : loader_(loader) { advance(); }  // NOLINT: begin()/end() only
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++() {
      advance();
      return *this;
    }
    bool operator!=(const Iterator& other) const { return loader_ != other.loader_; }

   private:
    void advance() {
      if (loader_ && !loader_->next(batch_)) loader_ = nullptr;
    }
    DataLoader* loader_;
    Batch batch_;
  };
  Iterator begin() { return Iterator(this); }
  Iterator end() { return Iterator(nullptr); }

 private:
  Batch make_batch(int64_t batch) const;  // batch `batch` of the current epoch
  void start_worker();
  void stop_worker();
  void worker_loop(int64_t first);

  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  Collate collate_;
  int64_t epoch_ = 0, batch_ = 0;
  std::vector<int64_t> order_;  // of epoch_

  // Prefetching: the worker builds batches first.. in order into ready_
  // (at most kQueued waiting); stop_ asks it to quit; error_ is what it threw.
  static constexpr size_t kQueued = 2;
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Batch> ready_;
  std::exception_ptr error_;
  bool stop_ = false, worker_done_ = false;
};

}  // namespace nabla::data
