// Reading and writing NumPy .npy files.
//
//   save_npy(weights, "w.npy");          // np.load("w.npy") reads it back
//   Tensor x = load_npy("batch.npy");    // written by np.save
//
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//   "\x93NUMPY", major, minor, header length (uint16 LE in 1.0; uint32 LE in
//   2.0 and 3.0), then a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//   padded with spaces and a '\n' so the data starts at a multiple of 64
//   bytes, then the raw little-endian elements in C order.
//
// Element types (descr -> nabla dtype):
//   '<f4' -> float32   '<f8' -> float64   '<i8' -> int64   '|b1' -> bool
//   '|u1' -> int64     (nabla has no uint8: bytes 0..255 load as int64)
// Anything else -- big-endian ('>f4'), fortran_order True, other widths
// ('<i4', '<f2'), complex, object or structured arrays -- is a nabla::Error
// naming load_npy, the path and the offending descr, as are truncated files,
// a bad magic string and malformed headers. The host must be little-endian.
#pragma once
#include <string>

#include "tensor.h"

namespace nabla {

// Reads a .npy file (format version 1.0, 2.0 or 3.0) into a new CPU tensor.
Tensor load_npy(const std::string& path);

// Writes `t` (any device, any layout: a contiguous CPU copy is written) as a
// version 1.0 .npy file, byte for byte what np.save writes for that array.
// The write is atomic: the bytes go to `path + ".tmp.<pid>"`, which is then
// renamed over `path`, so readers never see a half-written file. Errors
// (unwritable directory, full disk) throw nabla::Error with the path and the
// system's reason.
void save_npy(const Tensor& t, const std::string& path);

}  // namespace nabla
