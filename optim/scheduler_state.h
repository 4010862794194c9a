// Internal to optim/*.cpp: scalars and lists of doubles as the 0-d and 1-d
// tensors a StateDict holds, and back, with errors naming the missing key.
#pragma once
#include <string>
#include <vector>

#include "../tensor/creation.h"
#include "../tensor/state_dict.h"

namespace nabla::optim::detail {

inline Tensor int_scalar(int64_t v) { return scalar_tensor(static_cast<double>(v), kInt64); }
inline Tensor doubles_tensor(const std::vector<double>& v) { return from_vector(v); }  // float64 [n]

inline const Tensor& entry(const StateDict& sd, const std::string& key, const std::string& op) {
  const Tensor* t = sd.find(key);
  NABLA_CHECK(t != nullptr, op, "the state has no entry '", key, "'");
  return *t;
}
inline double double_value(const StateDict& sd, const std::string& key, const std::string& op) {
  const Tensor& t = entry(sd, key, op);
  NABLA_CHECK(t.numel() == 1, op, "'", key, "' must hold one value, got shape ", shape_str(t.shape()));
  return t.item<double>();
}
inline int64_t int_value(const StateDict& sd, const std::string& key, const std::string& op) {
  const Tensor& t = entry(sd, key, op);
  NABLA_CHECK(t.numel() == 1, op, "'", key, "' must hold one value, got shape ", shape_str(t.shape()));
  return t.item<int64_t>();
}
inline std::vector<double> doubles(const StateDict& sd, const std::string& key, const std::string& op) {
  const Tensor& t = entry(sd, key, op);
  NABLA_CHECK(t.ndim() == 1, op, "'", key, "' must be 1-D, got shape ", shape_str(t.shape()));
  std::vector<double> out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) out[i] = t[i].item<double>();
  return out;
}

}  // namespace nabla::optim::detail
