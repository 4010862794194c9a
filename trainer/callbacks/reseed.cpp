#include "reseed.h"

#include "../../tensor/generator.h"
#include "../trainer.h"

namespace nabla::trainer {

Reseed::Reseed(uint64_t seed, int64_t every_n_epochs) : seed_(seed), every_(every_n_epochs) {
  NABLA_CHECK(every_n_epochs >= 1, "Reseed", "every_n_epochs must be >= 1, got ", every_n_epochs);
}

uint64_t Reseed::seed_for(int64_t epoch, size_t generator) const {
  return mix_seeds(mix_seeds(seed_, static_cast<uint64_t>(epoch)), generator);
}

void Reseed::on_epoch_start(Trainer& trainer) {
  if (trainer.epoch() % every_ != 0) return;
  const auto generators = trainer.generators();
  for (size_t i = 0; i < generators.size(); ++i) generators[i].second->manual_seed(seed_for(trainer.epoch(), i));
}

}  // namespace nabla::trainer
