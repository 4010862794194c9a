// Where a tensor's memory lives: the CPU, or CUDA device N ("cuda:N").
#pragma once
#include <string>

#include "error.h"

namespace nabla {

enum class DeviceType : uint8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  static Device cpu() { return {DeviceType::CPU, 0}; }
  static Device cuda(int index = 0) { return {DeviceType::CUDA, index}; }
  // Parses "cpu", "cuda" or "cuda:N".
  static Device parse(const std::string& s) {
    if (s == "cpu") return cpu();
    if (s == "cuda") return cuda(0);
    if (s.rfind("cuda:", 0) == 0 && s.size() > 5 && s.find_first_not_of("0123456789", 5) == std::string::npos)
      return cuda(std::stoi(s.substr(5)));
    throw Error("Device: cannot parse '" + s + "': expected 'cpu', 'cuda' or 'cuda:N'");
  }

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
  friend bool operator==(Device a, Device b) { return a.type == b.type && (a.is_cpu() || a.index == b.index); }
  friend bool operator!=(Device a, Device b) { return !(a == b); }
};

inline std::ostream& operator<<(std::ostream& os, Device d) { return os << d.str(); }

}  // namespace nabla
