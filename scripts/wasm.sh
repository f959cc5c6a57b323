#!/usr/bin/env bash
# The WebAssembly build and its tests (docs/wasm.md), called by scripts/test.sh after the release
# build: configures the wasm preset (Debian's emscripten, offline), builds the kernels' tests and the
# static poem page, and runs them with ctest: the kernels under node, the page in headless Chromium
# (its couplets compared with the release build's ink-poem). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs   # emcc's JavaScript optimizer needs acorn from Debian's node-acorn

native=build/release/bin/ink-poem
[ -x "$native" ] || { echo "wasm.sh: $native is missing: build the release preset first" >&2; exit 1; }
start=$(date +%s)
cmake --preset wasm -DINK_NATIVE_POEM="$PWD/$native" > /dev/null
cmake --build --preset wasm -j "$(nproc)"
echo "== wasm: built in $(( $(date +%s) - start )) s"
ctest --preset wasm
# The wasm block of the SIMD layer compiles alone (scripts/test.sh checks the others with clang).
printf '#include "ink/simd/isa/wasm_simd128.hpp"\n' |
  em++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -msimd128 -Iinclude -x c++ -
