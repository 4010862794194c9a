// Random number generators: explicit, seedable, and fully saveable.
//
// A Generator is a Philox4x32 counter stream (kernels/philox.h): its whole
// state is (seed, offset). Drawing n numbers uses counters offset..offset+n-1
// and advances offset by n, so restoring a saved state replays exactly the
// same numbers, on any thread count or device.
//
//   Generator g(42);
//   Tensor a = rand({3}, g);
//   GeneratorState s = g.state();   Tensor b = rand({3}, g);
//   g.set_state(s);                 Tensor c = rand({3}, g);   // c == b
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>

namespace nabla {

struct GeneratorState {
  uint64_t seed = 0;
  uint64_t offset = 0;
  friend bool operator==(const GeneratorState& a, const GeneratorState& b) {
    return a.seed == b.seed && a.offset == b.offset;
  }
};

class Generator {
 public:
  explicit Generator(uint64_t seed = 5489u) { state_.seed = seed; }

  void manual_seed(uint64_t seed) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = {seed, 0};
  }
  GeneratorState state() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return state_;
  }
  void set_state(const GeneratorState& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = s;
  }
  // Reserves n counters and returns (seed, first counter).
  GeneratorState advance(uint64_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    GeneratorState s = state_;
    state_.offset += n;
    return s;
  }

 private:
  mutable std::mutex mutex_;
  GeneratorState state_;
};

// SplitMix64's finaliser: a bijection that scatters nearby inputs (seed,
// seed + 1; epoch 3, epoch 4) to unrelated 64-bit values. Seeds derived
// from (seed, epoch, ...) go through it, so neighbouring streams share nothing.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
// A seed derived from two numbers (a seed and an epoch, say).
inline uint64_t mix_seeds(uint64_t a, uint64_t b) { return splitmix64(splitmix64(a) ^ b); }

// The generator used when none is passed.
Generator& default_generator();
// Seeds the default generator (torch.manual_seed).
void manual_seed(uint64_t seed);

// A generator's state as a StateDict (for checkpoints): "seed" and "offset"
// as 0-d int64 tensors holding the uint64 bit patterns.
class StateDict;
StateDict generator_state_dict(const Generator& gen);
// Restores what generator_state_dict() saved; an Error names a missing key.
void load_generator_state(Generator& gen, const StateDict& state);

}  // namespace nabla
