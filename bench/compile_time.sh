#!/usr/bin/env bash
# Compile time of what users include (docs/benchmarks.md, "Compile time"): seconds to compile one
# translation unit (g++ -O2 -march=native -c), median of N runs, for
#   umbrella   #include <ink/ink.hpp> and an empty main
#   readme     the README's program (tests/consumer/main.cpp: a GEMM, a Linear layer, backward, Adam)
#   readme-compiled  the same as a program linking ink::compiled compiles it (-DINK_COMPILED: ink's
#              templates declared extern, ink/compiled.hpp)
#   all-layers <ink/ink.hpp> plus every opt-in layer (io, data, util, train, metrics: Eigen,
#              nlohmann/json, zlib, stb), the baseline compiled in the same minute
# The runs are interleaved so that the three see the same machine load; the load is printed.
# tests/consumer/check_light_umbrella.cmake keeps the heavy headers out of <ink/ink.hpp> in ctest.
#
#   bench/compile_time.sh [--cxx g++] [--runs 3]
set -euo pipefail
cxx=g++
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --cxx) cxx=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--cxx COMPILER] [--runs N]" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '#include <ink/ink.hpp>\nint main() { return 0; }\n' > "$work/umbrella.cpp"
cp "$root/tests/consumer/main.cpp" "$work/readme.cpp"
printf '#define INK_COMPILED 1\n#include "readme.cpp"\n' > "$work/readme-compiled.cpp"
printf '#include <ink/ink.hpp>\n#include <ink/io.hpp>\n#include <ink/data.hpp>\n#include <ink/util.hpp>\n#include <ink/train.hpp>\n#include <ink/metrics.hpp>\nint main() { return 0; }\n' > "$work/all-layers.cpp"

flags=(-std=c++20 -O2 -march=native -fopenmp -I"$root/include" -I/usr/include/eigen3)
names=(umbrella readme readme-compiled all-layers)
echo "load before: $(uptime)"
for ((run = 0; run < runs; run++)); do
  for name in "${names[@]}"; do
    start=$(date +%s.%N)
    "$cxx" "${flags[@]}" -c "$work/$name.cpp" -o "$work/$name.o"
    echo "$name $(echo "$(date +%s.%N) - $start" | bc)" >> "$work/times"
  done
done
echo "load after:  $(uptime)"
for name in "${names[@]}"; do
  median=$(awk -v n="$name" '$1 == n { print $2 }' "$work/times" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  printf '%-15s median %6.2f s of %d runs (%s)\n' "$name" "$median" "$runs" "$(awk -v n="$name" '$1 == n { printf "%.2f ", $2 }' "$work/times")"
done
