#!/usr/bin/env bash
# The poem bot in one command: installs what is missing, builds ink-poem in release and prints ten
# couplets from the model that ships with ink (models/poem-simplified.safetensors, docs/poem.md).
#
#   scripts/poem.sh            ten couplets from your model (runs/poem/model.safetensors) if you
#                              trained one, else from the shipped model
#   scripts/poem.sh --train    fetch the Tang poems, train a short run (3 epochs, a few minutes on
#                              two cores) unless the model exists, then ten couplets from it
#   POEM_MODEL=<file>          the model to use or create (with --train: default runs/poem/model.safetensors)
#   POEM_EPOCHS=<n>            epochs of the short run (default 3; the shipped model trained 60)
set -euo pipefail
cd "$(dirname "$0")/.."
train=0
for arg in "$@"; do
  case "$arg" in
    --train) train=1 ;;
    *) echo "usage: $0 [--train]" >&2; exit 2 ;;
  esac
done
scripts/install-deps.sh
cmake --preset release > /dev/null
cmake --build --preset release -j"$(nproc)" --target ink-poem
poem=build/release/bin/ink-poem
if [ "$train" -eq 1 ]; then
  scripts/fetch-data.sh poems
  model=${POEM_MODEL:-runs/poem/model.safetensors}
  if [ ! -f "$model" ]; then
    "$poem" train --epochs "${POEM_EPOCHS:-3}" --model "$model"
  fi
  "$poem" generate -n 10 --model "$model"
elif [ -n "${POEM_MODEL:-}" ]; then
  "$poem" generate -n 10 --model "$POEM_MODEL"
else
  "$poem" generate -n 10   # runs/poem/model.safetensors if it exists, else the shipped model
fi
