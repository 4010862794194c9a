// .npy load/save (format notes in npy.h).
//
// The header is a Python dict literal; a small recursive-descent parser reads
// the subset NumPy writes (strings, ints, True/False/None, tuples, lists and
// dicts) instead of trusting fixed offsets, so headers written by any NumPy
// version (or by hand, with other key order or spacing) load, and anything
// malformed becomes a nabla::Error rather than a crash.
#include "npy.h"

#include "atomic_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <utility>
#include <vector>

namespace nabla {

namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kAlign = 64;                // NumPy's ARRAY_ALIGN: data starts at a multiple of this
constexpr size_t kGrowthAxisMaxDigits = 21;  // NumPy leaves room to grow shape[0] in place

bool host_little_endian() {
  const uint16_t one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// ---- the header's Python literal -----------------------------------------------------

struct PyValue {
  enum class Kind { Str, Int, Bool, None, Tuple, List, Dict } kind = Kind::None;
  std::string str;
  int64_t integer = 0;
  bool boolean = false;
  std::vector<PyValue> items;                         // Tuple, List
  std::vector<std::pair<std::string, PyValue>> dict;  // Dict (string keys only)
  std::string text;                                   // the source text, for error messages
};

class HeaderParser {
 public:
  HeaderParser(const std::string& src, const std::string& path) : s_(src), path_(path) {}

  PyValue parse() {
    PyValue v = value();
    skip_space();
    if (i_ != s_.size()) fail("unexpected text after the dict");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(detail::format("load_npy: ", path_, ": bad header (", why, " at offset ", i_, "): ", s_));
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  PyValue value() {
    skip_space();
    if (i_ >= s_.size()) fail("unexpected end");
    const size_t start = i_;
    PyValue v;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      v.kind = PyValue::Kind::Dict;
      while (!eat('}')) {
        PyValue key = value();
        if (key.kind != PyValue::Kind::Str) fail("dict keys must be strings");
        if (!eat(':')) fail("expected ':'");
        v.dict.emplace_back(key.str, value());
        if (!eat(',')) {
          if (!eat('}')) fail("expected ',' or '}'");
          break;
        }
      }
    } else if (c == '(' || c == '[') {
      const char close = c == '(' ? ')' : ']';
      ++i_;
      v.kind = c == '(' ? PyValue::Kind::Tuple : PyValue::Kind::List;
      bool comma = false;
      while (!eat(close)) {
        v.items.push_back(value());
        comma = eat(',');
        if (!comma) {
          if (!eat(close)) fail(std::string("expected ',' or '") + close + "'");
          break;
        }
      }
      // (x) is just x in Python, not a tuple
      if (v.kind == PyValue::Kind::Tuple && v.items.size() == 1 && !comma) {
        PyValue inner = v.items[0];
        inner.text = s_.substr(start, i_ - start);
        return inner;
      }
    } else if (c == '\'' || c == '"') {
      ++i_;
      v.kind = PyValue::Kind::Str;
      while (i_ < s_.size() && s_[i_] != c) {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
        v.str += s_[i_++];
      }
      if (i_ >= s_.size()) fail("unterminated string");
      ++i_;
    } else if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
      v.kind = PyValue::Kind::Int;
      bool neg = c == '-';
      if (c == '-' || c == '+') ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') fail("expected a digit");
      uint64_t x = 0;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
        x = x * 10 + static_cast<uint64_t>(s_[i_++] - '0');
        if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fail("integer too large");
      }
      if (i_ < s_.size() && (s_[i_] == 'L' || s_[i_] == 'l')) ++i_;  // Python 2 long
      v.integer = neg ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
    } else {
      size_t j = i_;
      while (j < s_.size() && ((s_[j] >= 'A' && s_[j] <= 'Z') || (s_[j] >= 'a' && s_[j] <= 'z'))) ++j;
      const std::string word = s_.substr(i_, j - i_);
      if (word == "True" || word == "False") {
        v.kind = PyValue::Kind::Bool;
        v.boolean = word == "True";
      } else if (word == "None") {
        v.kind = PyValue::Kind::None;
      } else {
        fail("unexpected '" + std::string(1, c) + "'");
      }
      i_ = j;
    }
    v.text = s_.substr(start, i_ - start);
    return v;
  }

  const std::string& s_;
  const std::string& path_;
  size_t i_ = 0;
};

struct Descr {
  DType dtype;      // what nabla loads it as
  size_t itemsize;  // bytes per element in the file
  bool is_uint8;    // widened to int64 on load
};

// The descrs nabla reads. One-byte types have no byte order, so any of the
// order characters is accepted for them.
bool parse_descr(const std::string& d, Descr& out) {
  if (d == "<f4")
    out = {DType::Float32, 4, false};
  else if (d == "<f8")
    out = {DType::Float64, 8, false};
  else if (d == "<i8")
    out = {DType::Int64, 8, false};
  else if (d.size() == 3 && d.substr(1) == "b1" && std::strchr("|<>=", d[0]))
    out = {DType::Bool, 1, false};
  else if (d.size() == 3 && d.substr(1) == "u1" && std::strchr("|<>=", d[0]))
    out = {DType::Int64, 1, true};
  else
    return false;
  return true;
}

const char* descr_of(DType t) {
  switch (t) {
    case DType::Bool:
      return "|b1";
    case DType::Int64:
      return "<i8";
    case DType::Float32:
      return "<f4";
    case DType::Float64:
      return "<f8";
  }
  return "?";
}

// Why a descr is refused, for the error message.
std::string descr_reason(const std::string& d) {
  return !d.empty() && d[0] == '>' ? "big-endian data is not supported; " : "";
}

}  // namespace

Tensor load_npy(const std::string& path) {
  NABLA_CHECK(host_little_endian(), "load_npy", path, ": nabla's .npy reader needs a little-endian host");
  std::error_code ec;
  NABLA_CHECK(!std::filesystem::is_directory(path, ec), "load_npy", "cannot open '", path, "': it is a directory");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  NABLA_CHECK(in.is_open(), "load_npy", "cannot open '", path, "': ", errno ? std::strerror(errno) : "open failed");
  in.seekg(0, std::ios::end);
  const std::streamoff file_size = in.tellg();
  in.seekg(0, std::ios::beg);
  NABLA_CHECK(file_size >= 0, "load_npy", "cannot read '", path, "'");

  // magic string and version
  char magic[8];
  in.read(magic, 8);
  const size_t got = static_cast<size_t>(in.gcount());
  NABLA_CHECK(std::memcmp(magic, kMagic, std::min(got, kMagicLen)) == 0, "load_npy", path,
              ": not a .npy file (bad magic string; expected \"\\x93NUMPY\")");
  NABLA_CHECK(got == 8, "load_npy", path, ": file is truncated: ", file_size,
              " bytes, too short for the .npy preamble");
  const int major = static_cast<unsigned char>(magic[6]), minor = static_cast<unsigned char>(magic[7]);
  NABLA_CHECK((major == 1 || major == 2 || major == 3) && minor == 0, "load_npy", path,
              ": unsupported .npy format version ", major, ".", minor, " (nabla reads 1.0, 2.0 and 3.0)");

  // header length: uint16 LE in 1.0, uint32 LE in 2.0/3.0
  const size_t len_bytes = major == 1 ? 2 : 4;
  unsigned char len_buf[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(len_buf), static_cast<std::streamsize>(len_bytes));
  NABLA_CHECK(static_cast<size_t>(in.gcount()) == len_bytes, "load_npy", path,
              ": file is truncated inside the header length");
  uint64_t header_len = 0;
  for (size_t i = len_bytes; i-- > 0;) header_len = header_len << 8 | len_buf[i];
  const uint64_t data_start = kMagicLen + 2 + len_bytes + header_len;
  NABLA_CHECK(data_start <= static_cast<uint64_t>(file_size), "load_npy", path, ": file is truncated: the header says ",
              header_len, " bytes but the file has ", file_size, " bytes in all");
  std::string header(static_cast<size_t>(header_len), '\0');
  in.read(&header[0], static_cast<std::streamsize>(header_len));
  NABLA_CHECK(static_cast<uint64_t>(in.gcount()) == header_len, "load_npy", path,
              ": file is truncated inside the header");

  // {'descr': ..., 'fortran_order': ..., 'shape': (...)}
  PyValue dict = HeaderParser(header, path).parse();
  NABLA_CHECK(dict.kind == PyValue::Kind::Dict, "load_npy", path, ": bad header (not a dict): ", header);
  const PyValue *descr = nullptr, *fortran = nullptr, *shape_v = nullptr;
  for (const auto& kv : dict.dict) {
    if (kv.first == "descr")
      descr = &kv.second;
    else if (kv.first == "fortran_order")
      fortran = &kv.second;
    else if (kv.first == "shape")
      shape_v = &kv.second;
    else
      NABLA_CHECK(false, "load_npy", path, ": bad header (unexpected key '", kv.first, "'): ", header);
  }
  NABLA_CHECK(descr && fortran && shape_v, "load_npy", path,
              ": bad header (needs 'descr', 'fortran_order' and 'shape'): ", header);
  NABLA_CHECK(descr->kind == PyValue::Kind::Str, "load_npy", path, ": unsupported descr ", descr->text,
              " (structured arrays are not supported; nabla reads '<f4', '<f8', '<i8', '|b1', '|u1')");
  Descr d{};
  NABLA_CHECK(parse_descr(descr->str, d), "load_npy", path, ": unsupported descr '", descr->str, "' (",
              descr_reason(descr->str), "nabla reads '<f4', '<f8', '<i8', '|b1', '|u1')");
  NABLA_CHECK(fortran->kind == PyValue::Kind::Bool, "load_npy", path, ": bad header ('fortran_order' is ",
              fortran->text, ", expected True or False)");
  NABLA_CHECK(!fortran->boolean, "load_npy", path, ": fortran_order True is not supported (descr '", descr->str,
              "'); save a C-ordered array, e.g. np.save(p, np.ascontiguousarray(a))");
  NABLA_CHECK(shape_v->kind == PyValue::Kind::Tuple, "load_npy", path, ": bad header ('shape' is ", shape_v->text,
              ", expected a tuple of ints)");
  Shape shape;
  uint64_t count = 1;  // saturates at UINT64_MAX; any zero dim makes it 0
  bool has_zero = false;
  for (const PyValue& dim : shape_v->items) {
    NABLA_CHECK(dim.kind == PyValue::Kind::Int && dim.integer >= 0, "load_npy", path, ": bad header ('shape' is ",
                shape_v->text, ", expected a tuple of non-negative ints)");
    shape.push_back(dim.integer);
    const uint64_t n = static_cast<uint64_t>(dim.integer);
    has_zero = has_zero || n == 0;
    count =
        n != 0 && count > std::numeric_limits<uint64_t>::max() / n ? std::numeric_limits<uint64_t>::max() : count * n;
  }
  if (has_zero) count = 0;
  const bool overflow = count > std::numeric_limits<uint64_t>::max() / d.itemsize;
  const uint64_t available = static_cast<uint64_t>(file_size) - data_start;
  NABLA_CHECK(!overflow && count <= available / d.itemsize, "load_npy", path, ": file is truncated: shape ",
              shape_str(shape), " of '", descr->str, "' needs ",
              overflow ? std::string("more than 2^64") : std::to_string(count * d.itemsize), " data bytes but only ",
              available, " follow the header");

  // the data
  const size_t nbytes = static_cast<size_t>(count * d.itemsize);
  auto read_exact = [&](void* dst) {
    in.read(static_cast<char*>(dst), static_cast<std::streamsize>(nbytes));
    NABLA_CHECK(static_cast<size_t>(in.gcount()) == nbytes, "load_npy", path, ": file is truncated inside the data");
  };
  if (d.is_uint8) {
    std::vector<unsigned char> bytes(nbytes);
    if (nbytes) read_exact(bytes.data());
    Tensor t = empty(shape, DType::Int64, Device::cpu());
    int64_t* p = t.data<int64_t>();
    for (size_t i = 0; i < nbytes; ++i) p[i] = bytes[i];
    return t;
  }
  Tensor t = empty(shape, d.dtype, Device::cpu());
  if (nbytes) read_exact(t.raw_data());
  if (d.dtype == DType::Bool) {  // a C++ bool must hold 0 or 1
    unsigned char* p = static_cast<unsigned char*>(t.raw_data());
    for (size_t i = 0; i < nbytes; ++i) p[i] = p[i] != 0;
  }
  return t;
}

void save_npy(const Tensor& t, const std::string& path) {
  NABLA_CHECK(t.defined(), "save_npy", "cannot save an undefined tensor to '", path, "'");
  NABLA_CHECK(host_little_endian(), "save_npy", path, ": nabla's .npy writer needs a little-endian host");
  Tensor c = t.detach();
  if (!c.device().is_cpu()) c = c.to(Device::cpu());
  c = c.contiguous();

  // The header exactly as np.save writes it (numpy/lib/format.py): sorted keys,
  // spare spaces after the dict, then spaces and '\n' up to a 64-byte boundary.
  std::string header = std::string("{'descr': '") + descr_of(c.dtype()) +
                       "', 'fortran_order': False, 'shape': " + shape_str(c.shape()) + ", }";
  if (c.ndim() > 0) {
    const size_t digits = std::to_string(c.shape()[0]).size();
    if (digits < kGrowthAxisMaxDigits) header.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  size_t len_bytes = 2;
  char major = 1;
  size_t hlen = header.size() + 1;  // + '\n'
  size_t padlen = kAlign - (kMagicLen + 2 + len_bytes + hlen) % kAlign;
  if (hlen + padlen > 0xffff) {  // too long for 1.0: use 2.0's uint32 length, as NumPy does
    len_bytes = 4;
    major = 2;
    padlen = kAlign - (kMagicLen + 2 + len_bytes + hlen) % kAlign;
  }
  std::string bytes(kMagic, kMagicLen);
  bytes += major;
  bytes += '\0';
  const uint64_t total = hlen + padlen;
  for (size_t i = 0; i < len_bytes; ++i) bytes += static_cast<char>((total >> (8 * i)) & 0xff);
  bytes += header;
  bytes.append(padlen, ' ');
  bytes += '\n';

  const size_t nbytes = static_cast<size_t>(c.numel()) * c.element_size();
  write_file_atomically(path, {{bytes.data(), bytes.size()}, {c.raw_data(), nbytes}}, "save_npy");
}

}  // namespace nabla
