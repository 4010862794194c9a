#include "atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "error.h"

#ifdef _WIN32
#include <process.h>
#define NABLA_GETPID _getpid
#else
#include <unistd.h>
#define NABLA_GETPID getpid
#endif

namespace nabla {

void write_file_atomically(const std::string& path, const std::vector<std::pair<const void*, size_t>>& chunks,
                           const char* op) {
  // The pid keeps two processes writing one path from sharing a temporary.
  const std::string tmp = path + ".tmp." + std::to_string(NABLA_GETPID());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  NABLA_CHECK(f != nullptr, op, "cannot write '", path, "': cannot create '", tmp, "': ", std::strerror(errno));
  bool ok = true;
  for (const auto& [data, size] : chunks)
    if (ok && size) ok = std::fwrite(data, 1, size, f) == size;
  if (ok) ok = std::fflush(f) == 0;
#ifndef _WIN32
  if (ok) ok = fsync(fileno(f)) == 0;  // the data is on disk before the rename makes it visible
#endif
  int err = ok ? 0 : errno;
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    std::remove(tmp.c_str());
    throw Error(detail::format(op, ": cannot write '", path, "': writing '", tmp, "' failed: ", std::strerror(err)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(tmp.c_str());
    throw Error(detail::format(op, ": cannot write '", path, "': renaming '", tmp, "' failed: ", std::strerror(err)));
  }
}

}  // namespace nabla
