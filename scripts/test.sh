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
