#include "generator.h"

namespace nabla {

Generator& default_generator() {
  static Generator* g = new Generator(5489u);  // leaked: usable during static destruction
  return *g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace nabla
