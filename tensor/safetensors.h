// Named tensors in the safetensors format, the de-facto exchange format of
// model weights: a model trained here opens in Python in two lines
//   from safetensors.numpy import load_file; w = load_file("model.safetensors")
// and a file written by Python (safetensors, PyTorch, Hugging Face) loads here.
//
// The file, byte by byte:
//   [8 bytes]  N, the header length, unsigned little-endian
//   [N bytes]  a JSON object: for each tensor
//                "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
//              and optionally "__metadata__": {"key": "value", ...} (strings only)
//   [rest]     the raw little-endian data; offsets are relative to its start,
//              and the tensors cover it exactly, without gaps or overlaps.
//
// dtypes: F32, F64, I64 and BOOL map to nabla's four. Loading also accepts
// F16 and BF16 (converted to float32) and I32, I16, I8, U8 (to int64), so
// half-precision checkpoints from elsewhere load.
//
// Saving writes atomically (tensor/atomic_file.h) and stores a CRC-32 of the
// data in the metadata ("nabla.crc32"); loading checks it when present, so a
// flipped bit in a nabla file is an error, not silently different weights.
// Every malformed file - truncated, a corrupt header, offsets out of range -
// is a nabla::Error naming the file and the problem.
#pragma once
#include <map>
#include <string>

#include "state_dict.h"

namespace nabla {

using Metadata = std::map<std::string, std::string>;

void save_safetensors(const StateDict& tensors, const std::string& path, const Metadata& metadata = {});
// `metadata`, when given, receives the file's "__metadata__" entries.
StateDict load_safetensors(const std::string& path, Metadata* metadata = nullptr);

}  // namespace nabla
