#!/usr/bin/env bash
# scripts/fuzz.sh [seconds-per-target] [target...]
#
# Configures (preset fuzz: clang++-14, libFuzzer, ASan + UBSan), builds and runs each fuzz target of
# tests/fuzz for the given time (default 20 s) on a scratch copy of its seed corpus
# tests/fuzz/corpus/<target>/, so that runs never write into the repository. Targets default to every
# tests/fuzz/fuzz_<target>.cpp; as many run at once as there are cores. Prints one line per target
# (runs, coverage); exits non-zero if any
# target finds a crash, a leak, a timeout or a failed oracle, and keeps the input that triggered it in
# build/fuzz/findings/<target>/. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$src" .cpp)
    targets+=("${name#fuzz_}")
  done
fi
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/fuzz_$t.cpp" ] || { echo "fuzz: no target '$t' (tests/fuzz/fuzz_$t.cpp)" >&2; exit 2; }
done

start=$(date +%s)
cmake --preset fuzz > /dev/null
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"
echo "== fuzz: built ${#targets[@]} targets in $(( $(date +%s) - start )) s"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/ink-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
findings_root=build/fuzz/findings

# Runs target $1 on a scratch copy of its corpus; writes its summary line to $scratch/$1/summary and
# creates $scratch/$1/failed on a finding.
run_target() {
  local t=$1 work=$scratch/$1 status=0
  mkdir -p "$work/corpus" "$work/artifacts"
  if [ -d "tests/fuzz/corpus/$t" ]; then
    cp -r "tests/fuzz/corpus/$t/." "$work/corpus/"
  fi
  # -timeout: one input taking 10 s is a finding (a hang); -rss_limit_mb bounds memory, so that a
  # reader that believes a header's claimed size is a finding too.
  (cd "$work" && TMPDIR=$work "$root/build/fuzz/bin/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" corpus) \
      > "$work/log" 2>&1 || status=$?
  local runs cov
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1) || true
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1 | cut -d' ' -f2) || true
  if [ "$status" -ne 0 ] || compgen -G "$work/artifacts/*" > /dev/null; then
    touch "$work/failed"
    mkdir -p "$findings_root/$t"
    cp "$work"/artifacts/* "$findings_root/$t/" 2> /dev/null || true
    cp "$work/log" "$findings_root/$t/log"
    { echo "fuzz $t: FAILED (exit $status) after ${runs:-?} runs; inputs and log in $findings_root/$t/"
      grep -E 'ERROR|oracle failed|SUMMARY|Test unit written' "$work/log" | head -n 20 || true; } > "$work/summary"
  else
    echo "fuzz $t: ok, ${runs:-?} runs in ${seconds} s, coverage ${cov:-?} edges, corpus $(ls "$work/corpus" | wc -l) inputs" \
      > "$work/summary"
  fi
}

# As many targets at once as there are cores (FUZZ_JOBS overrides): each runs for a fixed time.
root=$PWD
parallel=${FUZZ_JOBS:-$(nproc)}
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  run_target "$t" &
done
wait
failed=()
for t in "${targets[@]}"; do
  cat "$scratch/$t/summary"
  [ ! -e "$scratch/$t/failed" ] || failed+=("$t")
done
echo "== fuzz: ${#targets[@]} targets in $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
