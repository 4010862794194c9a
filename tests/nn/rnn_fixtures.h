// Loading the PyTorch fixtures of tests/data/make_rnn_fixtures.py (shared by
// test_rnn.cpp and test_attention.cpp).
//
// A case directory tests/data/nn/rnn/<case>/ holds the module's parameters
// by state_dict name, inputs, outputs, loss weights "w_<output>" and
// gradients "grad.<input or parameter>".
#pragma once
#include <nabla/nabla.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "helpers.h"

namespace rnn_fixtures {

inline std::string case_dir(const std::string& name) { return std::string(NABLA_TEST_DATA_DIR) + "/nn/rnn/" + name; }

inline nabla::Tensor load(const std::string& name, const std::string& file) {
  return testing::load_fixture("nn/rnn/" + name + "/" + file);
}

// Loads every parameter file of the case into `module`, strictly: a name
// PyTorch has and nabla lacks (or the reverse), or a shape that differs,
// fails the test. `not_parameters` are the case's input/output files.
inline void load_parameters(nabla::nn::Module& module, const std::string& name,
                            const std::set<std::string>& not_parameters) {
  nabla::StateDict state;
  for (const auto& entry : std::filesystem::directory_iterator(case_dir(name))) {
    std::string stem = entry.path().stem().string();
    if (stem.rfind("grad.", 0) == 0 || stem.rfind("w_", 0) == 0 || not_parameters.count(stem)) continue;
    state.insert(stem, nabla::load_npy(entry.path().string()));
  }
  module.to(nabla::kFloat64);
  REQUIRE_NOTHROW(module.load_state_dict(state, /*strict=*/true));
}

// max |a - b|, with the shapes required equal.
inline double max_abs_diff(const nabla::Tensor& a, const nabla::Tensor& b) {
  REQUIRE(a.defined());
  REQUIRE(b.defined());
  REQUIRE(a.shape() == b.shape());
  return nabla::max(nabla::abs(a.detach().astype(nabla::kFloat64) - b.astype(nabla::kFloat64))).item<double>();
}

// Requires `t` to match the case's file `file` to `tol`.
inline void require_close(const nabla::Tensor& t, const std::string& name, const std::string& file,
                          double tol = 1e-10) {
  INFO(name << ": " << file);
  REQUIRE(max_abs_diff(t, load(name, file)) <= tol);
}

// sum(output * w_<file>): the loss the fixtures were differentiated with.
inline nabla::Tensor weighted(const nabla::Tensor& output, const std::string& name, const std::string& file) {
  return nabla::sum(output * load(name, "w_" + file));
}

// Every parameter's .grad against grad.<parameter name>.
inline void require_parameter_grads(const nabla::nn::Module& module, const std::string& name, double tol = 1e-10) {
  for (const auto& [pname, p] : module.named_parameters()) require_close(p.grad(), name, "grad." + pname, tol);
}

}  // namespace rnn_fixtures
