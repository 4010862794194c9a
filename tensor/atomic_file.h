// Writing a file so that readers see either the old file or the whole new
// one, never half of it (a crash or a full disk mid-write loses nothing):
// write a temporary next to the target, flush it to disk, then rename it
// over the target (rename is atomic within a directory).
//
// Every nabla writer - .npy, safetensors, checkpoints, logs - goes through it.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace nabla {

// The bytes are `chunks` one after another. `op` names the caller in errors.
// Throws nabla::Error (naming the path and the OS error) and leaves no
// temporary behind when anything fails.
void write_file_atomically(const std::string& path, const std::vector<std::pair<const void*, size_t>>& chunks,
                           const char* op);

}  // namespace nabla
