#include "serialize.h"

namespace nabla::nn {

void save(const Module& module, const std::string& path, const Metadata& metadata) {
  save_safetensors(module.state_dict(), path, metadata);
}

void save(const StateDict& state, const std::string& path, const Metadata& metadata) {
  save_safetensors(state, path, metadata);
}

LoadReport load(Module& module, const std::string& path, bool strict) {
  return module.load_state_dict(load_safetensors(path), strict);
}

StateDict load(const std::string& path, Metadata* metadata) { return load_safetensors(path, metadata); }

}  // namespace nabla::nn
