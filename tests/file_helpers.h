// File and Python helpers shared by the tests that write files (.npy,
// safetensors, checkpoints) and check them with NumPy.
#pragma once
#include <nabla/nabla.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace testing {

namespace fs = std::filesystem;
using nabla::Tensor;

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("nabla_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Same dtype, shape and bits (NaN == NaN, -0.0 != 0.0).
inline bool identical(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(), static_cast<size_t>(ca.numel()) * ca.element_size()) == 0;
}

// Runs a Python script file with NABLA_PYTHON; returns its stdout.
inline std::string run_python(const std::string& script, const std::vector<std::string>& args, int& status) {
  std::string cmd = std::string(NABLA_PYTHON) + " '" + script + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  std::string out;
  std::FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) {
    status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  status = pclose(pipe);
  return out;
}

// [python] tests fail loudly, rather than skip, when NumPy is missing.
inline void require_numpy() {
  const std::string cmd = std::string(NABLA_PYTHON) + " -c 'import numpy' > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0)
    FAIL("this [python] test needs " NABLA_PYTHON
         " with NumPy (apt install python3-numpy), "
         "or run the tests with \"~[python]\" to leave it out");
}

}  // namespace testing
