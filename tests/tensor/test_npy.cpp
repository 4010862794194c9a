// .npy load/save.
//   [npy]          fixtures written by NumPy (tests/data/make_npy_fixtures.py,
//                  committed under tests/data/npy/) and C++-only checks;
//   [npy][python]  NumPy reads back what nabla wrote. These need
//                  NABLA_PYTHON (/usr/bin/python3) with NumPy and fail, naming
//                  what is missing, when it is not there (CI installs
//                  python3-numpy; run "~[python]" to leave them out).
#include <nabla/nabla.h>
#include <catch2/catch.hpp>

#include "file_helpers.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#ifndef _WIN32
#include <unistd.h>
#endif

using namespace nabla;
using Catch::Contains;
using testing::identical;
using testing::read_bytes;
using testing::require_numpy;
using testing::run_python;
using testing::TempDir;
using testing::write_bytes;
namespace fs = std::filesystem;

namespace {

const int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();

std::string fixture(const std::string& name) { return std::string(NABLA_TEST_DATA_DIR) + "/npy/" + name; }

// The elements in C order, as doubles.
std::vector<double> values(const Tensor& t) {
  Tensor c = t.contiguous();
  std::vector<double> out;
  NABLA_DISPATCH_ALL(c.dtype(), T, {
    const T* p = c.data<T>();
    for (int64_t i = 0; i < c.numel(); ++i) out.push_back(static_cast<double>(p[i]));
  });
  return out;
}

// Where the data starts in a .npy file (its magic and header length are valid).
size_t data_offset(const std::string& bytes) {
  if (bytes[6] == 1) return 10 + (static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8);
  size_t len = 0;
  for (int i = 3; i >= 0; --i) len = len << 8 | static_cast<unsigned char>(bytes[8 + static_cast<size_t>(i)]);
  return 12 + len;
}

}  // namespace

// ---- loading what NumPy wrote ------------------------------------------------------

TEST_CASE("load_npy reads each supported descr written by NumPy", "[npy]") {
  SECTION("'<f4' 2-D") {
    Tensor t = load_npy(fixture("f4_2x3.npy"));
    CHECK(t.dtype() == kFloat32);
    CHECK(t.shape() == Shape{2, 3});
    CHECK(values(t) == std::vector<double>{-1.25, -0.75, -0.25, 0.25, 0.75, 1.25});
  }
  SECTION("'<f8' 1-D with inf and -0.0") {
    Tensor t = load_npy(fixture("f8_1d.npy"));
    CHECK(t.dtype() == kFloat64);
    CHECK(t.shape() == Shape{6});
    std::vector<double> v = values(t);
    CHECK(v[0] == 1.5);
    CHECK(v[1] == -2.25);
    CHECK(v[2] == 1e-300);
    CHECK(v[3] == 3.141592653589793);
    CHECK(v[4] == std::numeric_limits<double>::infinity());
    CHECK((v[5] == 0.0 && std::signbit(v[5])));
  }
  SECTION("'<i8' 3-D") {
    Tensor t = load_npy(fixture("i8_2x3x4.npy"));
    CHECK(t.dtype() == kInt64);
    CHECK(t.shape() == Shape{2, 3, 4});
    const int64_t* p = t.data<int64_t>();
    for (int64_t i = 0; i < 24; ++i) CHECK(p[i] == i * 1000003 - 9);
  }
  SECTION("'|b1'") {
    Tensor t = load_npy(fixture("b1_5.npy"));
    CHECK(t.dtype() == kBool);
    CHECK(values(t) == std::vector<double>{1, 0, 0, 1, 1});
  }
  SECTION("'|u1' loads as int64") {
    Tensor t = load_npy(fixture("u1_4.npy"));
    CHECK(t.dtype() == kInt64);
    CHECK(values(t) == std::vector<double>{0, 1, 200, 255});
  }
  SECTION("0-d") {
    Tensor t = load_npy(fixture("f8_scalar.npy"));
    CHECK(t.ndim() == 0);
    CHECK(t.item() == 3.5);
  }
  SECTION("empty (0, 3)") {
    Tensor t = load_npy(fixture("f4_empty_0x3.npy"));
    CHECK(t.dtype() == kFloat32);
    CHECK(t.shape() == Shape{0, 3});
    CHECK(t.numel() == 0);
  }
  SECTION("format versions 2.0 and 3.0") {
    CHECK(read_bytes(fixture("f4_v2.npy"))[6] == 2);
    Tensor a = load_npy(fixture("f4_v2.npy"));
    CHECK(a.shape() == Shape{2, 2});
    CHECK(values(a) == std::vector<double>{1, 2, 3, 4});
    CHECK(read_bytes(fixture("i8_v3.npy"))[6] == 3);
    Tensor b = load_npy(fixture("i8_v3.npy"));
    CHECK(b.dtype() == kInt64);
    CHECK(values(b) == std::vector<double>{7, -8, 9});
  }
}

TEST_CASE("load_npy refuses what nabla cannot hold and names path and descr", "[npy]") {
  struct Case {
    const char* file;
    const char* says;
  };
  const Case cases[] = {
      {"f4_fortran.npy", "fortran_order"},
      {"f4_bigendian.npy", "'>f4'"},
      {"i4.npy", "'<i4'"},
      {"c8.npy", "'<c8'"},
      {"object.npy", "'|O'"},
      {"structured.npy", "('a', '<f4')"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    const std::string path = fixture(c.file);
    CHECK_THROWS_AS(load_npy(path), Error);
    CHECK_THROWS_WITH(load_npy(path), Contains("load_npy") && Contains(path) && Contains(c.says));
  }
  CHECK_THROWS_WITH(load_npy(fixture("f4_bigendian.npy")), Contains("big-endian"));
  CHECK_THROWS_WITH(load_npy(fixture("f4_fortran.npy")), Contains("'<f4'"));
}

// ---- saving ----------------------------------------------------------------------------

TEST_CASE("save_npy writes the same bytes as np.save", "[npy]") {
  // Loading a NumPy-written fixture and saving it again must reproduce the
  // file exactly: header text, spare spaces, 64-byte alignment, data.
  TempDir dir;
  for (const char* name :
       {"f4_2x3.npy", "f8_1d.npy", "i8_2x3x4.npy", "b1_5.npy", "f8_scalar.npy", "f4_empty_0x3.npy"}) {
    INFO(name);
    const std::string out = dir.file(name);
    save_npy(load_npy(fixture(name)), out);
    CHECK(read_bytes(out) == read_bytes(fixture(name)));
  }
}

TEST_CASE("save_npy then load_npy round-trips every dtype and layout", "[npy]") {
  TempDir dir;
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  std::vector<Tensor> tensors = {
      from_vector(std::vector<float>{-1.25f, 0.1f, 3e38f, -0.0f, static_cast<float>(nan), 1e-45f}, {2, 3}),
      from_vector(std::vector<double>{1e-300, -inf, nan, 0.1}, {4}),
      from_vector(std::vector<int64_t>{kMin, -1, 0, kMax}, {2, 1, 2}),
      from_vector(std::vector<bool>{true, false, true}, {3}),
      scalar_tensor(-2.5, kFloat64),
      zeros({0, 3}),
      zeros({4, 0}, kInt64),
      arange(24).reshape({2, 3, 4}),
  };
  for (size_t i = 0; i < tensors.size(); ++i) {
    INFO("tensor " << i << ": " << tensors[i].str());
    const std::string p = dir.file("t" + std::to_string(i) + ".npy");
    save_npy(tensors[i], p);
    const std::string bytes = read_bytes(p);
    CHECK(bytes.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)) == 0);
    CHECK(data_offset(bytes) % 64 == 0);
    CHECK(bytes[data_offset(bytes) - 1] == '\n');
    CHECK(identical(load_npy(p), tensors[i]));
  }

  SECTION("non-contiguous views are written in their logical order") {
    Tensor base = arange(12, kFloat64).reshape({3, 4});
    Tensor transposed = base.t();                         // (4, 3), strides (1, 4)
    Tensor strided = base.narrow(1, 1, 2);                // (3, 2), a column slice
    Tensor broadcast = tensor({1, 2, 3}).expand({2, 3});  // stride 0
    for (const Tensor& v : {transposed, strided, broadcast}) {
      const std::string p = dir.file("view.npy");
      save_npy(v, p);
      Tensor back = load_npy(p);
      CHECK(back.shape() == v.shape());
      CHECK(values(back) == values(v));
    }
  }
}

TEST_CASE("save_npy is atomic and reports unwritable paths", "[npy]") {
  TempDir dir;
  const std::string p = dir.file("w.npy");
  save_npy(zeros({2, 2}), p);
  save_npy(ones({3}, kInt64), p);  // replaces the old file
  CHECK(values(load_npy(p)) == std::vector<double>{1, 1, 1});
  // only the target is left: the temporary was renamed, not copied
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);

  const std::string missing = dir.file("no/such/dir/w.npy");
  CHECK_THROWS_AS(save_npy(zeros({2}), missing), Error);
  CHECK_THROWS_WITH(save_npy(zeros({2}), missing),
                    Contains("save_npy") && Contains(missing) && Contains("No such file or directory"));
  // a target that is a directory: the rename fails and the temporary is removed
  fs::create_directories(dir.file("taken.npy"));
  CHECK_THROWS_WITH(save_npy(zeros({2}), dir.file("taken.npy")),
                    Contains("save_npy") && Contains(dir.file("taken.npy")) && Contains("renaming"));
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 2);

  CHECK_THROWS_WITH(save_npy(Tensor(), p), Contains("save_npy") && Contains("undefined"));
}

// ---- broken files ---------------------------------------------------------------------

TEST_CASE("load_npy reports truncated files with the path", "[npy]") {
  TempDir dir;
  const std::string good = read_bytes(fixture("i8_2x3x4.npy"));
  const size_t data = data_offset(good);
  REQUIRE(data == 128);
  for (size_t len :
       {size_t{0}, size_t{3}, size_t{7}, size_t{9}, size_t{40}, data - 1, data, data + 5, good.size() - 1}) {
    INFO("first " << len << " bytes");
    const std::string p = dir.file("cut.npy");
    write_bytes(p, good.substr(0, len));
    CHECK_THROWS_AS(load_npy(p), Error);
    CHECK_THROWS_WITH(load_npy(p), Contains("load_npy") && Contains(p) && Contains("truncated"));
  }
  const std::string missing = dir.file("missing.npy");
  CHECK_THROWS_WITH(load_npy(missing), Contains("load_npy") && Contains(missing) && Contains("No such file"));
  CHECK_THROWS_WITH(load_npy(dir.path().string()), Contains("load_npy") && Contains("directory"));
}

TEST_CASE("load_npy reports bad magic and malformed headers", "[npy]") {
  TempDir dir;
  const std::string p = dir.file("bad.npy");
  const std::string good = read_bytes(fixture("f4_2x3.npy"));

  write_bytes(p, "PK\x03\x04 this is a zip, not an npy file.........................");
  CHECK_THROWS_WITH(load_npy(p), Contains("load_npy") && Contains(p) && Contains("magic"));
  std::string v9 = good;
  v9[6] = 9;
  write_bytes(p, v9);
  CHECK_THROWS_WITH(load_npy(p), Contains(p) && Contains("version 9.0"));

  // Same preamble and data, a different (space-padded) header text.
  auto with_header = [&](std::string h) {
    const size_t len = data_offset(good) - 10;
    h.resize(len - 1, ' ');
    h += '\n';
    return good.substr(0, 10) + h + good.substr(10 + len);
  };
  write_bytes(p, with_header("{'fortran_order': False, 'shape': (2, 3), 'descr': '<f4'}"));  // other order: fine
  CHECK(values(load_npy(p)) == std::vector<double>{-1.25, -0.75, -0.25, 0.25, 0.75, 1.25});

  const char* bad_headers[] = {
      "{'descr': '<f4', 'fortran_order': False}",                                                 // no shape
      "{'descr': '<f4', 'fortran_order': False, 'shape': 6}",                                     // shape not a tuple
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}",                               // negative dim
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 'x')}",                              // not an int
      "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}",                                    // not a bool
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}",                        // unknown key
      "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}",                                 // broken quote
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)",                                 // no closing brace
      "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",               // too big
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296)}",  // overflows
      "[1, 2, 3]",                                                                                // not a dict
      "",                                                                                         // empty
  };
  for (const char* h : bad_headers) {
    INFO(h);
    write_bytes(p, with_header(h));
    CHECK_THROWS_AS(load_npy(p), Error);
    CHECK_THROWS_WITH(load_npy(p), Contains("load_npy") && Contains(p));
  }
}

// ---- NumPy reads what nabla writes ---------------------------------------------------------

TEST_CASE("np.load reads what save_npy wrote", "[npy][python]") {
  require_numpy();
  TempDir dir;
  const std::string script = dir.file("check.py");
  write_bytes(script,
              "import io, sys\n"
              "import numpy as np\n"
              "for p in sys.argv[1:]:\n"
              "    a = np.load(p)\n"
              "    buf = io.BytesIO()\n"
              "    np.save(buf, a)\n"
              "    same = buf.getvalue() == open(p, 'rb').read()\n"
              "    print(a.dtype.name, a.shape, a.tolist(), 'identical' if same else 'DIFFERENT')\n");

  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<Tensor, std::string>> cases = {
      {from_vector(std::vector<float>{-1.25f, 0.5f, 3.0f, 1e10f, -0.0f, 7.5f}, {2, 3}),
       "float32 (2, 3) [[-1.25, 0.5, 3.0], [10000000000.0, -0.0, 7.5]] identical"},
      {from_vector(std::vector<double>{1e-300, -inf, std::nan(""), 0.1}, {4}),
       "float64 (4,) [1e-300, -inf, nan, 0.1] identical"},
      {from_vector(std::vector<int64_t>{kMin, -1, 0, kMax}, {2, 1, 2}),
       "int64 (2, 1, 2) [[[-9223372036854775808, -1]], [[0, 9223372036854775807]]] identical"},
      {from_vector(std::vector<bool>{true, false}, {2}), "bool (2,) [True, False] identical"},
      {scalar_tensor(3.5, kFloat64), "float64 () 3.5 identical"},
      {zeros({0, 3}), "float32 (0, 3) [] identical"},
      {tensor({{1, 2, 3}, {4, 5, 6}}).t(), "float32 (3, 2) [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]] identical"},
      {arange(1, 7, 1, kInt64).reshape({2, 3}).narrow(1, 1, 2), "int64 (2, 2) [[2, 3], [5, 6]] identical"},
  };
  std::vector<std::string> paths;
  std::string expected;
  for (size_t i = 0; i < cases.size(); ++i) {
    paths.push_back(dir.file("n" + std::to_string(i) + ".npy"));
    save_npy(cases[i].first, paths.back());
    expected += cases[i].second + "\n";
  }
  int status = 0;
  const std::string out = run_python(script, paths, status);
  INFO(out);
  REQUIRE(status == 0);
  CHECK(out == expected);
}
