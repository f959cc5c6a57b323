#!/usr/bin/env bash
# Installs the Debian packages ink needs for building, testing, benchmarking and the examples.
# Idempotent: installs only what is missing, and runs apt-get update only when it must install.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libeigen3-dev          # reference and oracle in tests and benchmarks
  doctest-dev            # unit tests
  libbenchmark-dev       # bench/
  nlohmann-json3-dev     # safetensors headers, JSON data files
  libcli11-dev           # example command lines
  libstb-dev             # PNG writing
  zlib1g-dev             # gzip-compressed IDX files
  libopencc-dev          # traditional -> simplified Chinese for the poem corpus
  libfmt-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
