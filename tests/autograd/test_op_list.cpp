// Every op in nabla::differentiable_ops() must have a "gradcheck: <op>" test.
#include <nabla/nabla.h>
#include <catch2/catch.hpp>
#include <iostream>
#include <set>

TEST_CASE("every differentiable op has a gradient check", "[autograd][op_list]") {
  std::set<std::string> tests;
  for (const auto& tc : Catch::getRegistryHub().getTestCaseRegistry().getAllTests()) tests.insert(tc.name);
  std::vector<std::string> missing;
  for (const std::string& op : nabla::differentiable_ops()) {
    bool found = tests.count("gradcheck: " + op) > 0;
    std::cout << (found ? "  checked  " : "  MISSING  ") << op << "\n";
    if (!found) missing.push_back(op);
  }
  INFO("ops without a 'gradcheck: <op>' test: " << missing.size());
  for (const auto& m : missing) UNSCOPED_INFO(m);
  REQUIRE(missing.empty());
  REQUIRE(nabla::differentiable_ops().size() >= 60);
}
