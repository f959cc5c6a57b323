#!/usr/bin/env bash
# run_cross_check.sh DRIVER SCRIPT WORK_DIR: runs ink-torch-driver, then check_against_torch.py on its
# output with the first python3 that has torch (Debian's /usr/bin/python3 first: a python3 earlier on
# PATH, e.g. pyenv's, may lack it). Exits 77 (ctest: skipped) when none has.
set -euo pipefail
driver=$1 script=$2 work=$3
python=""
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import torch, numpy' >/dev/null 2>&1; then python=$candidate; break; fi
done
if [[ -z $python ]]; then
  echo "SKIPPED: no python3 with torch and numpy (Debian's python3-torch; scripts/install-deps.sh installs it)"
  exit 77
fi
mkdir -p "$work"
"$driver" "$work"
"$python" "$script" "$work"
