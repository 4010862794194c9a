#include "safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "atomic_file.h"
#include "crc32.h"
#include "creation.h"

namespace nabla {

using json = nlohmann::json;

namespace {

constexpr const char* kCrcKey = "nabla.crc32";
// Larger headers are refused: it protects against a corrupt length field
// asking for gigabytes (the Python library uses the same limit).
constexpr uint64_t kMaxHeader = 100u << 20;

const char* dtype_code(DType d) {
  switch (d) {
    case DType::Float32:
      return "F32";
    case DType::Float64:
      return "F64";
    case DType::Int64:
      return "I64";
    case DType::Bool:
      return "BOOL";
  }
  return "?";
}

// What a dtype code in a file means: its size and the nabla dtype it loads as.
struct FileDType {
  const char* code;
  size_t size;
  DType dtype;
};
constexpr FileDType kFileDTypes[] = {
    {"F32", 4, DType::Float32}, {"F64", 8, DType::Float64},  {"I64", 8, DType::Int64}, {"BOOL", 1, DType::Bool},
    {"F16", 2, DType::Float32}, {"BF16", 2, DType::Float32}, {"I32", 4, DType::Int64}, {"I16", 2, DType::Int64},
    {"I8", 1, DType::Int64},    {"U8", 1, DType::Int64},
};

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -24);  // subnormal
  else if (exp == 31)
    v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else
    v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

float bfloat_to_float(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;  // bf16 is the top half of a float32
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

template <class Src>
void widen_ints(const char* src, int64_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    Src v;
    std::memcpy(&v, src + i * sizeof(Src), sizeof(Src));
    dst[i] = v;
  }
}

// One tensor's bytes -> a nabla tensor, converting the narrower file dtypes.
Tensor make_tensor(const FileDType& fd, const Shape& shape, const char* bytes) {
  if (std::strcmp(fd.code, "F16") != 0 && std::strcmp(fd.code, "BF16") != 0 && fd.size == dtype_size(fd.dtype))
    return from_buffer(bytes, shape, fd.dtype);
  Tensor t = empty(shape, fd.dtype);
  const int64_t n = t.numel();
  if (fd.dtype == DType::Float32) {
    const bool bf = std::strcmp(fd.code, "BF16") == 0;
    float* out = t.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, bytes + 2 * i, 2);
      out[i] = bf ? bfloat_to_float(h) : half_to_float(h);
    }
  } else if (std::strcmp(fd.code, "I32") == 0) {
    widen_ints<int32_t>(bytes, t.data<int64_t>(), n);
  } else if (std::strcmp(fd.code, "I16") == 0) {
    widen_ints<int16_t>(bytes, t.data<int64_t>(), n);
  } else if (std::strcmp(fd.code, "I8") == 0) {
    widen_ints<int8_t>(bytes, t.data<int64_t>(), n);
  } else {
    widen_ints<uint8_t>(bytes, t.data<int64_t>(), n);
  }
  return t;
}

// The CRC a nabla file carries covers the data AND the header's content
// (names, dtypes, shapes, offsets, the user's metadata), so a flipped bit
// anywhere - a renamed tensor, a changed shape - is found, not loaded.
struct EntryInfo {
  std::string name, code;
  Shape shape;
  uint64_t begin, end;
};
uint32_t file_crc(const std::vector<EntryInfo>& entries, const Metadata& meta, uint32_t data_crc) {
  std::string s;
  for (const EntryInfo& e : entries) {
    s += detail::format(e.name, '\0', e.code, '\0');
    for (int64_t d : e.shape) s += detail::format(d, ',');
    s += detail::format('\0', e.begin, ',', e.end, '\0');
  }
  for (const auto& [k, v] : meta)
    if (k != kCrcKey) s += detail::format(k, '\0', v, '\0');
  return crc32(s.data(), s.size(), data_crc);
}

bool host_is_little_endian() {
  const uint16_t one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

}  // namespace

void save_safetensors(const StateDict& tensors, const std::string& path, const Metadata& metadata) {
  NABLA_CHECK(host_is_little_endian(), "save_safetensors", "safetensors data is little-endian; this host is not");
  std::vector<Tensor> data;  // contiguous CPU copies where needed, in order
  std::vector<EntryInfo> infos;
  json header = json::object();
  uint64_t offset = 0;
  uint32_t crc = 0;
  for (const auto& [name, t] : tensors) {
    NABLA_CHECK(t.defined(), "save_safetensors", "'", name, "' is an undefined tensor (writing '", path, "')");
    NABLA_CHECK(name != "__metadata__", "save_safetensors", "'__metadata__' is reserved and cannot name a tensor");
    Tensor c = t.detach().to(Device::cpu()).contiguous();
    const uint64_t nbytes = static_cast<uint64_t>(c.numel()) * c.element_size();
    header[name] = {{"dtype", dtype_code(c.dtype())},
                    {"shape", std::vector<int64_t>(c.shape().begin(), c.shape().end())},
                    {"data_offsets", {offset, offset + nbytes}}};
    crc = crc32(c.raw_data(), nbytes, crc);
    infos.push_back({name, dtype_code(c.dtype()), c.shape(), offset, offset + nbytes});
    offset += nbytes;
    data.push_back(c);
  }
  json meta = json::object();
  for (const auto& [k, v] : metadata) meta[k] = v;
  meta[kCrcKey] = std::to_string(file_crc(infos, metadata, crc));
  header["__metadata__"] = meta;
  std::string text = header.dump();
  // Pad with spaces so the data starts 8-byte aligned (as the Python library does).
  text.append((8 - text.size() % 8) % 8, ' ');
  unsigned char len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = static_cast<unsigned char>((static_cast<uint64_t>(text.size()) >> (8 * i)) & 0xff);
  std::vector<std::pair<const void*, size_t>> chunks{{len, 8}, {text.data(), text.size()}};
  for (const Tensor& c : data) chunks.emplace_back(c.raw_data(), c.numel() * c.element_size());
  write_file_atomically(path, chunks, "save_safetensors");
}

StateDict load_safetensors(const std::string& path, Metadata* metadata) {
  const char* op = "load_safetensors";
  NABLA_CHECK(host_is_little_endian(), op, "safetensors data is little-endian; this host is not");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  NABLA_CHECK(in.good(), op, "cannot open '", path, "'");
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  NABLA_CHECK(file_size >= 8, op, "'", path, "' is ", file_size,
              " bytes, too short for the 8-byte header length (truncated, or not a safetensors file)");
  in.seekg(0);
  unsigned char len[8];
  in.read(reinterpret_cast<char*>(len), 8);
  uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= static_cast<uint64_t>(len[i]) << (8 * i);
  NABLA_CHECK(header_len <= kMaxHeader, op, "'", path, "' declares a header of ", header_len, " bytes (limit ",
              kMaxHeader, "): a corrupt file, or not a safetensors file");
  NABLA_CHECK(header_len <= file_size - 8, op, "'", path, "' declares a header of ", header_len, " bytes but has only ",
              file_size - 8, " after the length field (truncated)");
  std::string text(header_len, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_len));
  const uint64_t data_size = file_size - 8 - header_len;
  std::vector<char> bytes(data_size);
  in.read(bytes.data(), static_cast<std::streamsize>(data_size));
  NABLA_CHECK(in.good() || (in.eof() && data_size == 0), op, "reading '", path, "' failed");

  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) {
    NABLA_CHECK(false, op, "'", path, "' has a header that is not valid JSON (", e.what(), ")");
  }
  NABLA_CHECK(header.is_object(), op, "'", path, "': the header must be a JSON object, got ", header.type_name());

  struct Entry : EntryInfo {
    const FileDType* fd;
  };
  std::vector<Entry> entries;
  Metadata meta;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      NABLA_CHECK(v.is_object(), op, "'", path, "': __metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        NABLA_CHECK(m.value().is_string(), op, "'", path, "': __metadata__ value of '", m.key(), "' is not a string");
        meta[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    auto bad = [&](const std::string& what) {
      return detail::format(op, ": '", path, "': tensor '", name, "': ", what);
    };
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      throw Error(bad("needs an object with dtype, shape and data_offsets"));
    const json &jd = v["dtype"], &js = v["shape"], &jo = v["data_offsets"];
    if (!jd.is_string()) throw Error(bad("dtype is not a string"));
    const std::string code = jd.get<std::string>();
    const FileDType* fd = nullptr;
    for (const FileDType& f : kFileDTypes)
      if (code == f.code) fd = &f;
    if (!fd) throw Error(bad("unsupported dtype '" + code + "' (F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL)"));
    if (!js.is_array()) throw Error(bad("shape is not an array"));
    Shape shape;
    uint64_t count = 1;
    for (const json& d : js) {
      if (!d.is_number_unsigned()) throw Error(bad("shape " + js.dump() + " has an entry that is not a size"));
      const uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && count > std::numeric_limits<uint64_t>::max() / 16 / dim) throw Error(bad("shape is too large"));
      count *= dim;
      shape.push_back(static_cast<int64_t>(dim));
    }
    if (!jo.is_array() || jo.size() != 2 || !jo[0].is_number_unsigned() || !jo[1].is_number_unsigned())
      throw Error(bad("data_offsets must be [begin, end]"));
    const uint64_t begin = jo[0].get<uint64_t>(), end = jo[1].get<uint64_t>();
    if (begin > end || end > data_size)
      throw Error(bad(detail::format("data_offsets [", begin, ", ", end, "] fall outside the ", data_size,
                                     " data bytes (truncated file?)")));
    if (end - begin != count * fd->size)
      throw Error(bad(detail::format("data_offsets span ", end - begin, " bytes but shape ", js.dump(), " of ", code,
                                     " needs ", count * fd->size)));
    entries.push_back({{name, code, shape, begin, end}, fd});
  }
  // The tensors must tile the data exactly: a gap or an overlap means a
  // corrupt header. Their file order is also the order they were saved in.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t expected = 0;
  for (const Entry& e : entries) {
    NABLA_CHECK(e.begin == expected, op, "'", path, "': tensor '", e.name, "' starts at byte ", e.begin, ", expected ",
                expected, " (the tensors must cover the data without gaps or overlaps)");
    expected = e.end;
  }
  NABLA_CHECK(expected == data_size, op, "'", path, "': the tensors cover ", expected, " of the ", data_size,
              " data bytes");
  if (auto it = meta.find(kCrcKey); it != meta.end()) {
    std::vector<EntryInfo> infos(entries.begin(), entries.end());
    const std::string got = std::to_string(file_crc(infos, meta, crc32(bytes.data(), bytes.size())));
    NABLA_CHECK(got == it->second, op, "'", path, "' is corrupt: its content has CRC-32 ", got, " but was saved with ",
                it->second);
    meta.erase(it);  // an integrity check, not the user's metadata
  }
  StateDict out;
  for (const Entry& e : entries) out.insert(e.name, make_tensor(*e.fd, e.shape, bytes.data() + e.begin));
  if (metadata) *metadata = std::move(meta);
  return out;
}

}  // namespace nabla
