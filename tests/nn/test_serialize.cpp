// safetensors files: round trips, files read by Python (NumPy alone) and
// written by Python, modules saved and loaded, and every kind of damage -
// truncation, flipped bits, bad headers - reported as a nabla::Error.
//   [python] tests run NABLA_PYTHON (/usr/bin/python3) with NumPy.
#include <catch2/catch.hpp>

#include "file_helpers.h"
#include "helpers.h"

using namespace nabla;
using Catch::Contains;
using testing::identical;
using testing::TempDir;

namespace {
std::string fixture(const std::string& name) { return std::string(NABLA_TEST_DATA_DIR) + "/nn/safetensors/" + name; }
std::string tool() { return std::string(NABLA_TEST_DATA_DIR) + "/safetensors_numpy.py"; }

// One tensor of each dtype and some awkward shapes.
StateDict sample() {
  Generator g(11);
  StateDict sd;
  sd.insert("layer.weight", randn({3, 4}, g));
  sd.insert("layer.bias", randn({5}, g, kFloat64));
  sd.insert("index", tensor({{-3.0, 1e12}, {0.0, 7.0}}, kInt64));
  sd.insert("mask", tensor({1.0, 0.0, 1.0}, kBool));
  sd.insert("scalar", scalar_tensor(2.5));
  sd.insert("empty", zeros({0, 3}));
  sd.insert("transposed", arange(6.0).reshape({2, 3}).t());  // not contiguous: saved as its values
  return sd;
}

void check_same(const StateDict& got, const StateDict& want) {
  REQUIRE(got.size() == want.size());
  auto it = got.begin();
  for (const auto& [name, t] : want) {
    CHECK(it->first == name);  // the saved order comes back
    CHECK(identical(it->second, t.contiguous()));
    ++it;
  }
}
}  // namespace

TEST_CASE("safetensors: round trip of every dtype, shape and the metadata", "[serialize]") {
  TempDir dir;
  StateDict sd = sample();
  save_safetensors(sd, dir.file("a.safetensors"), {{"epoch", "3"}, {"model", "mlp"}});
  Metadata meta;
  check_same(load_safetensors(dir.file("a.safetensors"), &meta), sd);
  CHECK(meta == Metadata{{"epoch", "3"}, {"model", "mlp"}});
  // The header is padded so the data starts 8-byte aligned.
  std::string bytes = testing::read_bytes(dir.file("a.safetensors"));
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n % 8 == 0);
  CHECK(bytes[8] == '{');
}

TEST_CASE("safetensors: Python reads nabla's file and writes one nabla reads", "[serialize][python]") {
  testing::require_numpy();
  TempDir dir;
  StateDict sd = sample();
  save_safetensors(sd, dir.file("a.safetensors"), {{"note", "from C++"}});
  int status = 0;
  std::string out = testing::run_python(tool(), {"to-npy", dir.file("a.safetensors"), dir.file("npy")}, status);
  INFO(out);
  REQUIRE(status == 0);
  // NumPy saw the same names, dtypes, shapes and bits.
  for (const auto& [name, t] : sd) CHECK(identical(load_npy(dir.file("npy/" + name + ".npy")), t.contiguous()));
  CHECK_THAT(testing::read_bytes(dir.file("npy/metadata.json")), Contains("\"note\": \"from C++\""));

  // And back: NumPy writes a file from those .npy files, nabla loads it.
  std::vector<std::string> args{"from-npy", dir.file("b.safetensors")};
  for (const auto& [name, t] : sd) args.push_back(name + "=" + dir.file("npy/" + name + ".npy"));
  out = testing::run_python(tool(), args, status);
  REQUIRE(status == 0);
  Metadata meta;
  StateDict back = load_safetensors(dir.file("b.safetensors"), &meta);
  for (const auto& [name, t] : sd) CHECK(identical(back.at(name), t.contiguous()));
  CHECK(meta.at("written_by") == "numpy");
}

TEST_CASE("safetensors: a Python file with F16, BF16 and narrow ints loads converted", "[serialize]") {
  Metadata meta;
  StateDict sd = load_safetensors(fixture("from_python.safetensors"), &meta);
  CHECK(meta.at("author") == "python");
  for (std::string name : {"f32", "f64", "f16", "bf16", "i64", "i32", "u8", "bool", "scalar", "empty"}) {
    INFO(name);
    CHECK(identical(sd.at(name), load_npy(fixture("want_" + name + ".npy"))));
  }
}

TEST_CASE("safetensors: a PyTorch Linear's state_dict loads into nn::Linear", "[serialize]") {
  nn::Linear lin(4, 3);
  nn::LoadReport r = nn::load(lin, fixture("torch_linear.safetensors"));
  CHECK(r.ok());
  CHECK(r.loaded == std::vector<std::string>{"weight", "bias"});
  Tensor y = lin(load_npy(fixture("torch_linear_x.npy")));
  CHECK(allclose(y, load_npy(fixture("torch_linear_y.npy")), 1e-6, 1e-6));
}

TEST_CASE("nn::save / nn::load: a model round trip; mismatches are reported together", "[serialize]") {
  TempDir dir;
  nn::MLP a(6, {5, 4}, 3), b(6, {5, 4}, 3);
  nn::save(a, dir.file("mlp.safetensors"));
  nn::load(b, dir.file("mlp.safetensors"));
  Tensor x = ones({2, 6});
  CHECK(equal(a(x), b(x)));

  nn::MLP other(6, {7}, 3);
  try {
    nn::load(other, dir.file("mlp.safetensors"));
    FAIL("expected an Error");
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK_THAT(msg, Contains("0.weight: expected (7, 6) float32, got (5, 6) float32"));
    CHECK_THAT(msg, Contains("unexpected key: 2.weight"));
    CHECK_THAT(msg, Contains("1.weight: expected (3, 7)"));
  }
  nn::LoadReport r = nn::load(other, dir.file("mlp.safetensors"), /*strict=*/false);
  CHECK(r.unexpected_keys == std::vector<std::string>{"2.weight", "2.bias"});
  CHECK(r.loaded == std::vector<std::string>{});  // every shared name differs in shape
  CHECK(r.mismatches.size() == 4);
}

TEST_CASE("safetensors: every truncation is an Error, never a crash", "[serialize][corrupt]") {
  TempDir dir;
  StateDict sd;
  sd.insert("w", arange(6.0).reshape({2, 3}));
  sd.insert("b", tensor({1.0, 2.0}, kFloat64));
  save_safetensors(sd, dir.file("a.safetensors"));
  const std::string bytes = testing::read_bytes(dir.file("a.safetensors"));
  for (size_t len = 0; len < bytes.size(); ++len) {
    testing::write_bytes(dir.file("cut.safetensors"), bytes.substr(0, len));
    INFO("truncated to " << len << " of " << bytes.size() << " bytes");
    CHECK_THROWS_AS(load_safetensors(dir.file("cut.safetensors")), Error);
  }
  testing::write_bytes(dir.file("cut.safetensors"), bytes.substr(0, 5));
  CHECK_THROWS_WITH(load_safetensors(dir.file("cut.safetensors")), Contains("too short for the 8-byte header length"));
  testing::write_bytes(dir.file("cut.safetensors"), bytes.substr(0, bytes.size() - 4));
  CHECK_THROWS_WITH(load_safetensors(dir.file("cut.safetensors")), Contains("truncated"));
}

TEST_CASE("safetensors: every flipped bit is an Error or changes nothing", "[serialize][corrupt]") {
  TempDir dir;
  StateDict sd;
  sd.insert("w", arange(6.0).reshape({2, 3}));
  sd.insert("i", tensor({1.0, 2.0}, kInt64));
  save_safetensors(sd, dir.file("a.safetensors"));
  const std::string bytes = testing::read_bytes(dir.file("a.safetensors"));
  int errors = 0, harmless = 0;
  for (size_t i = 0; i < bytes.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      testing::write_bytes(dir.file("bad.safetensors"), damaged);
      try {
        StateDict got = load_safetensors(dir.file("bad.safetensors"));
        // Loading may only succeed when the flip hit the integrity key's
        // own name (then nothing can be checked) and the data is intact.
        INFO("byte " << i << " bit " << bit);
        check_same(got, sd);
        ++harmless;
      } catch (const Error&) {
        ++errors;
      }
    }
  CHECK(errors > 0);
  CHECK(harmless <= 11 * 8);  // at most the bits of "nabla.crc32"
  // A flipped data bit is named as corruption.
  std::string damaged = bytes;
  damaged[bytes.size() - 1] ^= 1;
  testing::write_bytes(dir.file("bad.safetensors"), damaged);
  CHECK_THROWS_WITH(load_safetensors(dir.file("bad.safetensors")), Contains("is corrupt"));
}

TEST_CASE("safetensors: malformed headers are named", "[serialize][corrupt]") {
  TempDir dir;
  auto write = [&](const std::string& header, const std::string& data = "") {
    std::string bytes(8, '\0');
    uint64_t n = header.size();
    std::memcpy(bytes.data(), &n, 8);
    testing::write_bytes(dir.file("h.safetensors"), bytes + header + data);
    return dir.file("h.safetensors");
  };
  CHECK_THROWS_WITH(load_safetensors(write("{not json")), Contains("not valid JSON"));
  CHECK_THROWS_WITH(load_safetensors(write("[1, 2]")), Contains("must be a JSON object"));
  CHECK_THROWS_WITH(
      load_safetensors(write(R"({"a": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}})", std::string(8, '\0'))),
      Contains("unsupported dtype 'C64'"));
  CHECK_THROWS_WITH(
      load_safetensors(write(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", std::string(8, '\0'))),
      Contains("needs 12"));
  CHECK_THROWS_WITH(load_safetensors(write(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
                                           std::string(4, '\0'))),
                    Contains("not a size"));
  CHECK_THROWS_WITH(
      load_safetensors(write(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", std::string(8, '\0'))),
      Contains("without gaps or overlaps"));
  CHECK_THROWS_WITH(load_safetensors(write(R"({"a": {"dtype": "F32", "shape": [1]}})")),
                    Contains("needs an object with dtype, shape and data_offsets"));
  std::string huge(8, '\xff');
  testing::write_bytes(dir.file("huge.safetensors"), huge + "{}");
  CHECK_THROWS_WITH(load_safetensors(dir.file("huge.safetensors")), Contains("declares a header of"));
  CHECK_THROWS_WITH(load_safetensors(dir.file("missing.safetensors")), Contains("cannot open"));
}

TEST_CASE("safetensors: writes are atomic", "[serialize]") {
  TempDir dir;
  StateDict sd = sample();
  save_safetensors(sd, dir.file("a.safetensors"));
  // A failed write (the target is a directory) leaves neither a temporary
  // nor a damaged file behind.
  std::filesystem::create_directories(dir.file("d.safetensors"));
  CHECK_THROWS_WITH(save_safetensors(sd, dir.file("d.safetensors")), Contains("renaming"));
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  CHECK(files == 1);
  check_same(load_safetensors(dir.file("a.safetensors")), sd);
}
