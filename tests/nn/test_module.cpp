// nn::Module: registration, traversal, modes, state dicts, hooks, printing.
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace nabla;

namespace {
// A two-level model: Net { fc1: Linear, body: Sequential { 0: Linear, 1: ReLU }, scale (buffer) }.
struct Net : nn::Module {
  std::shared_ptr<nn::Linear> fc1;
  std::shared_ptr<nn::Sequential> body;
  Tensor scale, step;
  Net() : Module("Net") {
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(4, 3));
    body = register_module("body", std::make_shared<nn::Sequential>(nn::Linear(3, 2), nn::ReLU()));
    scale = register_buffer("scale", full({2}, 2.0));
    step = register_buffer("step", zeros({1}), /*persistent=*/false);
  }
  Tensor forward(const Tensor& x) override { return (*body)((*fc1)(x)) * scale; }
};

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& items) {
  std::vector<std::string> out;
  for (auto& [n, t] : items) out.push_back(n);
  return out;
}
}  // namespace

TEST_CASE("Module: dotted names in registration order", "[nn][module]") {
  Net net;
  CHECK(names_of(net.named_parameters()) ==
        std::vector<std::string>{"fc1.weight", "fc1.bias", "body.0.weight", "body.0.bias"});
  CHECK(names_of(net.named_buffers()) == std::vector<std::string>{"scale", "step"});
  std::vector<std::string> sd;
  for (auto& [n, t] : net.state_dict()) sd.push_back(n);
  // The non-persistent buffer is not saved; own entries come before children's.
  CHECK(sd == std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "body.0.weight", "body.0.bias"});
  std::vector<std::string> mods;
  for (auto& [n, m] : net.named_modules()) mods.push_back(n + ":" + m->type_name());
  CHECK(mods == std::vector<std::string>{"fc1:Linear", "body:Sequential", "body.0:Linear", "body.1:ReLU"});
  CHECK(net.num_parameters() == 4 * 3 + 3 + 3 * 2 + 2);
  CHECK(net.parameters()[0].is_same(net.fc1->weight));  // handles, not copies
}

TEST_CASE("Module: a tied parameter is listed once", "[nn][module]") {
  nn::Sequential seq(nn::Linear(3, 3), nn::Linear(3, 3));
  auto* a = static_cast<nn::Linear*>(seq[0].get());
  auto* b = static_cast<nn::Linear*>(seq[1].get());
  // Tie b's weight to a's: the same TensorImpl registered under two names.
  struct Tied : nn::Module {
    Tied(Tensor w) : Module("Tied") { register_parameter("w", w); }
  };
  auto tied = std::make_shared<Tied>(a->weight);
  seq.push_back(tied);
  CHECK(seq.parameters().size() == 4);  // a.w, a.b, b.w, b.b; tied.w is a.w
  (void)b;
}

TEST_CASE("Module: registration errors name the module and the name", "[nn][module]") {
  Net net;
  REQUIRE_THROWS_WITH(net.register_parameter("scale", zeros({1})), Catch::Contains("'scale' is already registered"));
  REQUIRE_THROWS_WITH(net.register_buffer("a.b", zeros({1})), Catch::Contains("no '.'"));
  Tensor x = ones({2}).requires_grad_();
  REQUIRE_THROWS_WITH(net.register_parameter("y", x * 2.0), Catch::Contains("grad_fn"));
  REQUIRE_THROWS_WITH(nn::ReLU().forward(ones({1})).numel() == 1 ? throw Error("ok") : 0, "ok");
  nn::Module bare("Bare");
  REQUIRE_THROWS_WITH(bare(ones({1})), Catch::Contains("Bare.forward"));
}

TEST_CASE("Module: train/eval reach every child; zero_grad drops grads", "[nn][module]") {
  auto net = std::make_shared<nn::Sequential>(nn::Linear(2, 2), nn::Dropout(0.5));
  CHECK(net->is_training());
  net->eval();
  for (auto& [n, m] : net->named_modules()) CHECK_FALSE(m->is_training());
  // In eval mode Dropout is the identity.
  Tensor x = ones({3, 2});
  CHECK(allclose((*(*net)[1])(x), x));
  net->train();
  CHECK((*net)[1]->is_training());

  Tensor y = (*net)(ones({3, 2})).sum();
  y.backward();
  for (const Tensor& p : net->parameters()) CHECK(p.grad().defined());
  net->zero_grad();
  for (const Tensor& p : net->parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("Module: load_state_dict copies values and reports every problem", "[nn][module]") {
  Net a, b;
  b.load_state_dict(a.state_dict());
  for (auto& [name, t] : a.state_dict()) CHECK(equal(t, b.state_dict().at(name)));
  // Loading writes into the existing tensors: handles held elsewhere see it.
  Tensor held = b.fc1->weight;
  Net c;
  b.load_state_dict(c.state_dict());
  CHECK(equal(held, c.fc1->weight));

  StateDict bad;
  for (auto& [name, t] : a.state_dict())
    if (name != "fc1.bias") bad.insert(name, t);  // one missing
  bad.insert("body.0.weight", zeros({3, 2}));     // one transposed
  bad.insert("extra.weight", zeros({1}));         // one unexpected
  Tensor before = b.fc1->weight.clone();
  try {
    b.load_state_dict(bad);
    FAIL("expected an Error");
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("missing key: fc1.bias"));
    CHECK_THAT(msg, Catch::Contains("unexpected key: extra.weight"));
    CHECK_THAT(msg, Catch::Contains("body.0.weight: expected (2, 3) float32, got (3, 2) float32"));
    CHECK_THAT(msg, Catch::Contains("nothing was loaded"));
  }
  CHECK(equal(before, b.fc1->weight));  // strict: all or nothing

  nn::LoadReport r = b.load_state_dict(bad, /*strict=*/false);
  CHECK(r.missing_keys == std::vector<std::string>{"fc1.bias"});
  CHECK(r.unexpected_keys == std::vector<std::string>{"extra.weight"});
  CHECK(r.mismatches.size() == 1);
  CHECK(equal(b.fc1->weight, a.fc1->weight));  // what matched was loaded
}

TEST_CASE("Module: to(dtype) converts in place, keeping the handles", "[nn][module]") {
  Net net;
  Tensor w = net.fc1->weight;
  std::vector<double> before = testing::values(w);
  net.to(kFloat64);
  CHECK(w.dtype() == kFloat64);
  CHECK(net.fc1->weight.dtype() == kFloat64);
  CHECK(net.scale.dtype() == kFloat64);
  CHECK(testing::values(w) == before);
  Tensor y = net(ones({2, 4}, kFloat64));
  CHECK(y.dtype() == kFloat64);
  REQUIRE_THROWS_WITH(net.to(kInt64), Catch::Contains("floating dtype"));
  net.to(Device::cpu());  // already there: a no-op
  CHECK(w.device() == Device::cpu());
}

TEST_CASE("Module: forward hooks and pre-hooks run around forward", "[nn][module]") {
  nn::Linear fc(3, 2);
  std::vector<std::string> log;
  int pre = fc.register_forward_pre_hook(
      [&](nn::Module& m, const Tensor& in) { log.push_back("pre " + m.type_name() + " " + shape_str(in.shape())); });
  int post = fc.register_forward_hook(
      [&](nn::Module&, const Tensor&, const Tensor& out) { log.push_back("post " + shape_str(out.shape())); });
  fc(ones({5, 3}));
  CHECK(log == std::vector<std::string>{"pre Linear (5, 3)", "post (5, 2)"});
  fc.remove_hook(pre);
  fc.remove_hook(post);
  fc(ones({5, 3}));
  CHECK(log.size() == 2);
}

TEST_CASE("Module: repr and summary", "[nn][module]") {
  Net net;
  std::string r = net.repr();
  CHECK(r ==
        "Net(\n"
        "  (fc1): Linear(in_features=4, out_features=3, bias=true)\n"
        "  (body): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=2, bias=true)\n"
        "    (1): ReLU()\n"
        "  )\n"
        ")");
  std::string s = net.summary({8, 4});
  CHECK_THAT(s, Catch::Contains("fc1 (Linear)"));
  CHECK_THAT(s, Catch::Contains("body.0 (Linear)"));
  CHECK_THAT(s, Catch::Contains("(8, 3)"));
  CHECK_THAT(s, Catch::Contains("Total params: 23"));
  CHECK_THAT(s, Catch::Contains("Output shape: (8, 2)"));
  CHECK(net.is_training());  // summary restores the mode
  // A summary of a bad input shape is an Error from the layer, not a crash.
  REQUIRE_THROWS_WITH(net.summary({8, 5}), Catch::Contains("Linear.forward"));
}
