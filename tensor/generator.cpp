#include "generator.h"

#include <cstring>

#include "creation.h"
#include "state_dict.h"

namespace nabla {

Generator& default_generator() {
  static Generator* g = new Generator(5489u);  // leaked: usable during static destruction
  return *g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

namespace {
// uint64 <-> int64 by bit pattern: a seed may use all 64 bits.
int64_t to_bits(uint64_t v) {
  int64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}
uint64_t from_bits(int64_t b) {
  uint64_t v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}
}  // namespace

StateDict generator_state_dict(const Generator& gen) {
  const GeneratorState s = gen.state();
  StateDict sd;
  sd.insert("seed", from_vector(std::vector<int64_t>{to_bits(s.seed)}, {}));
  sd.insert("offset", from_vector(std::vector<int64_t>{to_bits(s.offset)}, {}));
  return sd;
}

void load_generator_state(Generator& gen, const StateDict& state) {
  const Tensor& seed = state.at("seed");
  const Tensor& offset = state.at("offset");
  NABLA_CHECK(seed.dtype() == kInt64 && seed.numel() == 1 && offset.dtype() == kInt64 && offset.numel() == 1,
              "load_generator_state", "seed and offset must be one-element int64 tensors, got ",
              dtype_name(seed.dtype()), " ", shape_str(seed.shape()), " and ", dtype_name(offset.dtype()), " ",
              shape_str(offset.shape()));
  gen.set_state({from_bits(seed.item<int64_t>()), from_bits(offset.item<int64_t>())});
}

}  // namespace nabla
