#!/usr/bin/env bash
# The poem bot in one command: installs what is missing, fetches the Tang poems, builds ink-poem in
# release, trains a short run (3 epochs, a few minutes on two cores) unless a model is already there,
# and prints ten couplets.
#   POEM_MODEL=<file>   model to use or create (default runs/poem/model.safetensors)
#   POEM_EPOCHS=<n>     epochs of the short run (default 3; the original trains 100)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-data.sh poems
cmake --preset release > /dev/null
cmake --build --preset release -j"$(nproc)" --target ink-poem
poem=build/release/bin/ink-poem
model=${POEM_MODEL:-runs/poem/model.safetensors}
if [ ! -f "$model" ]; then
  "$poem" train --epochs "${POEM_EPOCHS:-3}" --model "$model"
fi
"$poem" generate -n 10 --model "$model"
