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
  clang-14 libfuzzer-14-dev libclang-rt-14-dev   # fuzz targets (tests/fuzz) and the clang build check
  python3-torch          # tests/torch: gradients cross-checked against PyTorch (tests only)
  openmpi-bin libopenmpi-dev   # ink::mpi, data-parallel training (optional)
  libcpp-httplib-dev     # ink-poem serve (examples only)
  libdnnl-dev            # oneDNN, a baseline in bench/ only
  wrk                    # bench/: load test of ink-poem serve
  chromium               # browser tests of the poem pages (headless)
  emscripten             # the WebAssembly build (preset wasm)
  iproute2               # network namespaces for the MPI TCP test
  # Node.js and npm (playwright-core, the npm data packages) come with the machine or from
  # scripts/fetch-data.sh, which installs Debian's nodejs + npm only when npm is missing.
  fonts-dejavu-core fonts-wqy-microhei   # labels in plots; couplets in pictures
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
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
