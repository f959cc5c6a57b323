#!/usr/bin/env bash
# The test command: installs what is missing, then configures, builds and runs every test, first in
# the release build and then in the debug build with AddressSanitizer and UBSan. Exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
for preset in release debug; do
  echo "== ${preset}: configure"
  cmake --preset "$preset" > /dev/null
  echo "== ${preset}: build"
  start=$(date +%s)
  cmake --build --preset "$preset" -j "$jobs"
  echo "== ${preset}: built in $(( $(date +%s) - start )) s"
  echo "== ${preset}: test"
  ctest --preset "$preset" -j "$jobs"
done

# The WebAssembly build: the kernels' tests under node, the static poem page in Chromium.
echo "== wasm"
scripts/wasm.sh

# clang 14 must compile every public header on its own (each includes what it uses), warning-free
# (the wasm block of the SIMD layer only for wasm: scripts/wasm.sh checks it).
echo "== clang: every header under include/ink compiles alone"
start=$(date +%s)
mpi_flags=$(mpicxx --showme:compile 2>/dev/null || true)   # for include/ink/distributed (ink::mpi)
export mpi_flags
find include/ink -name '*.hpp' ! -name wasm_simd128.hpp | sort | xargs -P 2 -n 1 sh -c '
  printf "#include \"%s\"\n" "${0#include/}" |
    clang++-14 -std=c++20 -fsyntax-only -Wall -Wextra -Werror -march=native -fopenmp -DINK_HAVE_OPENCC=1 \
      -Iinclude -isystem /usr/include/eigen3 $mpi_flags -x c++ - ||
    { echo "clang: $0 does not compile alone" >&2; exit 1; }'
echo "== clang: $(find include/ink -name '*.hpp' ! -name wasm_simd128.hpp | wc -l) headers checked in $(( $(date +%s) - start )) s"

# A short libFuzzer run of every tests/fuzz target (docs/fuzzing.md says how to run them long).
echo "== fuzz"
scripts/fuzz.sh 20
