#include "idx.h"

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "../../autograd/ops/arithmetic.h"
#include "../../tensor/creation.h"

namespace nabla::data {

namespace {

// gzread reads gzip and plain files alike.
std::vector<unsigned char> read_all(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  NABLA_CHECK(f != nullptr, "read_idx", "cannot open '", path, "'");
  std::vector<unsigned char> bytes;
  unsigned char buf[1 << 16];
  int n;
  while ((n = gzread(f.get(), buf, sizeof buf)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  int err = Z_OK;
  const char* msg = gzerror(f.get(), &err);
  NABLA_CHECK(n == 0 && (err == Z_OK || err == Z_STREAM_END), "read_idx", "reading '", path,
              "' failed: ", msg ? msg : "corrupt or truncated gzip data");
  return bytes;
}

uint64_t big_endian(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

Tensor read_idx(const std::string& path, DType dtype) {
  std::vector<unsigned char> bytes = read_all(path);
  NABLA_CHECK(bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0, "read_idx", "'", path,
              "' is not an IDX file (it must start with two zero bytes)");
  const int type = bytes[2], ndim = bytes[3];
  int width = 0;
  switch (type) {
    case 0x08:
    case 0x09:
      width = 1;
      break;
    case 0x0B:
      width = 2;
      break;
    case 0x0C:
    case 0x0D:
      width = 4;
      break;
    case 0x0E:
      width = 8;
      break;
    default:
      NABLA_CHECK(false, "read_idx", "'", path, "' has unknown IDX type code 0x", std::hex, type);
  }
  NABLA_CHECK(bytes.size() >= 4 + 4 * static_cast<size_t>(ndim), "read_idx", "'", path, "' is truncated in its header");
  Shape shape;
  uint64_t count = 1;
  for (int d = 0; d < ndim; ++d) {
    shape.push_back(static_cast<int64_t>(big_endian(&bytes[4 + 4 * d], 4)));
    count *= static_cast<uint64_t>(shape.back());
    // Each value takes at least one byte, so a count past the file's size
    // means corrupt sizes; stopping here also keeps the product from overflowing.
    NABLA_CHECK(count <= bytes.size(), "read_idx", "'", path, "' declares shape ", shape_str(shape), "... (", count,
                "+ values) but holds only ", bytes.size(), " bytes (corrupt or truncated)");
  }
  const size_t start = 4 + 4 * static_cast<size_t>(ndim);
  NABLA_CHECK(bytes.size() - start == count * width, "read_idx", "'", path, "' holds ", bytes.size() - start,
              " data bytes but its shape ", shape_str(shape), " needs ", count * width, " (truncated?)");
  // Decode straight into the requested dtype: a 60,000-image file is
  // 47 MB of bytes but 188 MB as float32, so no intermediate copies.
  Tensor t = empty(shape, dtype);
  const unsigned char* p = bytes.data() + start;
  auto value = [type, width](const unsigned char* q) -> double {
    const uint64_t raw = big_endian(q, width);
    switch (type) {
      case 0x08:
        return static_cast<double>(raw);
      case 0x09:
        return static_cast<int8_t>(raw);
      case 0x0B:
        return static_cast<int16_t>(raw);
      case 0x0C:
        return static_cast<int32_t>(raw);
      case 0x0D: {
        uint32_t bits = static_cast<uint32_t>(raw);
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
      }
      default: {
        double d;
        std::memcpy(&d, &raw, 8);
        return d;
      }
    }
  };
  NABLA_DISPATCH_ALL(dtype, T, {
    T* out = t.data<T>();
    for (uint64_t i = 0; i < count; ++i, p += width) out[i] = static_cast<T>(value(p));
  });
  return t;
}

MnistSplit load_mnist(const std::string& dir, bool train) {
  const std::string prefix = dir + "/" + (train ? "train" : "t10k");
  // Debian ships them gzip-compressed; an unpacked copy works too.
  auto find = [&](const std::string& stem) {
    std::string gz = prefix + stem + ".gz";
    if (std::filesystem::exists(gz)) return gz;
    std::string plain = prefix + stem;
    NABLA_CHECK(std::filesystem::exists(plain), "load_mnist", "neither '", gz, "' nor '", plain,
                "' exists (for Fashion-MNIST: apt install dataset-fashion-mnist)");
    return plain;
  };
  MnistSplit s;
  s.images = read_idx(find("-images-idx3-ubyte"), kFloat32);
  s.images.mul_(1.0 / 255.0);  // in place: no second 188 MB copy
  s.labels = read_idx(find("-labels-idx1-ubyte"), kInt64);
  NABLA_CHECK(s.images.ndim() == 3 && s.labels.ndim() == 1 && s.images.size(0) == s.labels.size(0), "load_mnist",
              "images ", shape_str(s.images.shape()), " and labels ", shape_str(s.labels.shape()), " do not match");
  return s;
}

}  // namespace nabla::data
