// CRC-32 (the one of zlib, PNG and gzip: polynomial 0xEDB88320), to detect
// corrupted files: a single flipped bit always changes it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace nabla {

// crc32(data, n) of a whole buffer; pass a previous result as `crc` to
// continue over a buffer given in pieces.
uint32_t crc32(const void* data, size_t n, uint32_t crc = 0);

}  // namespace nabla
