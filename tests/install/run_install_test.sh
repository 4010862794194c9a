#!/usr/bin/env bash
# Installs a built nabla into a temporary prefix, then configures, builds and
# runs tests/install/outside_project against it with find_package(nabla):
# the path a user takes after `cmake --install build --prefix ...`.
#
#   bash tests/install/run_install_test.sh BUILD_DIR [LIBRARY]
#
# LIBRARY (CTest passes $<TARGET_FILE:nabla>) must exist: the test installs
# what `cmake --build BUILD_DIR` built and never builds it itself.
# Registered with CTest as `install_and_find_package`.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BUILD_DIR [LIBRARY]" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
if [[ $# -eq 2 && ! -f "$2" ]]; then
  echo "$2 is not built: run \`cmake --build $build_dir\` before this test" >&2
  exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/nabla-install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

# The outside project is built with the same compiler and linker flags as the
# library's own programs (read from the build's cache).
cache_value() {
  sed -n "s/^$1:[A-Z]*=//p" "$build_dir/CMakeCache.txt" | head -n 1
}
cxx=$(cache_value CMAKE_CXX_COMPILER)
exe_linker_flags=$(cache_value CMAKE_EXE_LINKER_FLAGS)
generator=$(cache_value CMAKE_GENERATOR)

echo "== cmake --install $build_dir --prefix $prefix"
cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log"; exit 1; }
test -f "$prefix/include/nabla/nabla.h" || { echo "nabla.h was not installed" >&2; exit 1; }
config=$(find "$prefix" -name nablaConfig.cmake | head -n 1)
test -n "$config" || { echo "nablaConfig.cmake was not installed" >&2; exit 1; }
echo "   installed $(find "$prefix" -type f | wc -l) files; config at ${config#"$prefix"/}"

echo "== configure tests/install/outside_project with CMAKE_PREFIX_PATH=$prefix"
cmake -S "$here/outside_project" -B "$work/build" -G "${generator:-Ninja}" \
  -DCMAKE_PREFIX_PATH="$prefix" \
  ${cxx:+-DCMAKE_CXX_COMPILER="$cxx"} \
  ${exe_linker_flags:+-DCMAKE_EXE_LINKER_FLAGS="$exe_linker_flags"} \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
# The library must come from the install prefix, not from the build tree.
location=$(grep -ho "$prefix/[^\"]*libnabla[^\"]*" "$work/build/CMakeFiles/app.dir/"*.txt \
             "$work/build/build.ninja" "$work/build/CMakeFiles/app.dir/build.make" 2>/dev/null | head -n 1 || true)
echo "   linking ${location:-<not found in the build files>}"

echo "== build"
cmake --build "$work/build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }

echo "== run"
# CMake puts the install prefix's lib dir on the app's build RPATH; the
# LD_LIBRARY_PATH is a fallback for toolchains that do not.
libdir=$(dirname "$(find "$prefix" -name 'libnabla.so*' | head -n 1)")
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/build/app"
echo "install_and_find_package: passed"
