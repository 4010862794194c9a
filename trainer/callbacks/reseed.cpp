#include "reseed.h"

#include "../trainer.h"

namespace nabla::trainer {

namespace {
// SplitMix64's finaliser: nearby inputs give unrelated seeds.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
}  // namespace

Reseed::Reseed(uint64_t seed, int64_t every_n_epochs) : seed_(seed), every_(every_n_epochs) {
  NABLA_CHECK(every_n_epochs >= 1, "Reseed", "every_n_epochs must be >= 1, got ", every_n_epochs);
}

uint64_t Reseed::seed_for(int64_t epoch, size_t generator) const {
  return mix(mix(mix(seed_) ^ static_cast<uint64_t>(epoch)) ^ generator);
}

void Reseed::on_epoch_start(Trainer& trainer) {
  if (trainer.epoch() % every_ != 0) return;
  const auto generators = trainer.generators();
  for (size_t i = 0; i < generators.size(); ++i) generators[i].second->manual_seed(seed_for(trainer.epoch(), i));
}

}  // namespace nabla::trainer
