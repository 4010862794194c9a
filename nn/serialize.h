// Saving and loading models: a module's state_dict() in one safetensors
// file (tensor/safetensors.h has the format), readable from Python:
//
//   nn::save(model, "model.safetensors");
//   nn::load(model, "model.safetensors");            // strict: names, shapes, dtypes must match
//   nn::LoadReport r = nn::load(model, path, false);  // load what matches, report the rest
//
// Loading checks every entry before copying any, and a strict load reports
// every missing key, unexpected key and shape/dtype mismatch in one Error.
#pragma once
#include <string>

#include "../tensor/safetensors.h"
#include "module.h"

namespace nabla::nn {

void save(const Module& module, const std::string& path, const Metadata& metadata = {});
void save(const StateDict& state, const std::string& path, const Metadata& metadata = {});
LoadReport load(Module& module, const std::string& path, bool strict = true);
StateDict load(const std::string& path, Metadata* metadata = nullptr);

}  // namespace nabla::nn
