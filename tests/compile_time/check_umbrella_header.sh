#!/usr/bin/env bash
# Keeps <nabla/nabla.h> light: Eigen, OpenMP and CUDA are private to
# libnabla, so a user's program (or a notebook cell) compiles in seconds.
#
#   bash tests/compile_time/check_umbrella_header.sh CXX INCLUDE_DIR [LIMIT_S]
#
# Fails when
#   (a) `CXX -std=c++17 -fsyntax-only -IINCLUDE_DIR hello.cpp` fails or takes
#       more than LIMIT_S seconds (default 10), or
#   (b) the preprocessed hello.cpp (-E) mentions Eigen or cuda_runtime.
# Registered with CTest as `umbrella_header_is_light`.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 CXX INCLUDE_DIR [LIMIT_S]" >&2
  exit 2
fi
cxx=$1
include_dir=$2
limit_s=${3:-10}
source=$(cd "$(dirname "$0")" && pwd)/hello.cpp

start=$(date +%s%N)
"$cxx" -std=c++17 -fsyntax-only -I"$include_dir" "$source"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "fsyntax-only of $(basename "$source"): ${elapsed_ms} ms (limit ${limit_s} s)"

status=0
if (( elapsed_ms > limit_s * 1000 )); then
  echo "FAIL: <nabla/nabla.h> took ${elapsed_ms} ms to parse; the limit is ${limit_s} s" >&2
  status=1
fi

# Line markers in -E output name every header that was read, so this catches
# an include of Eigen or the CUDA runtime anywhere below the umbrella header.
heavy=$("$cxx" -std=c++17 -E -I"$include_dir" "$source" | grep -E 'Eigen|cuda_runtime' || true)
if [[ -n "$heavy" ]]; then
  echo "FAIL: the preprocessed umbrella header mentions Eigen or cuda_runtime ($(wc -l <<<"$heavy") lines), from:" >&2
  { grep -oE '"[^"]*(Eigen|cuda_runtime)[^"]*"' <<<"$heavy" || head -c 300 <<<"$heavy"; } | sort -u | head -n 5 >&2
  status=1
else
  echo "preprocessed output: no Eigen, no cuda_runtime"
fi
exit $status
