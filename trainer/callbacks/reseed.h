// Reseed: reseeds the trainer's generators every n epochs from (seed,
// epoch), so the random numbers of epoch e (dropout masks, noise) do not
// depend on how many were drawn before it. Two runs that differ in their
// first epochs (another validation schedule, an extra evaluation drawing
// numbers) draw the same numbers again from the next reseed on.
//
//   trainer.add_callback(std::make_shared<Reseed>(/*seed=*/1234, /*every_n_epochs=*/1));
//
// At the start of epoch e (e % every_n_epochs == 0), every generator in
// trainer.generators() is seeded with mix(seed, e, i) for the i-th one.
// The data loader needs none of this: its order is already a function of
// its own seed and the epoch. Nothing to save: the seeds follow from e.
#pragma once
#include <cstdint>

#include "../callback.h"

namespace nabla::trainer {

class Reseed : public Callback {
 public:
  explicit Reseed(uint64_t seed, int64_t every_n_epochs = 1);
  std::string name() const override { return "reseed"; }
  void on_epoch_start(Trainer& trainer) override;
  // The seed generator i gets at epoch e.
  uint64_t seed_for(int64_t epoch, size_t generator) const;

 private:
  uint64_t seed_;
  int64_t every_;
};

}  // namespace nabla::trainer
