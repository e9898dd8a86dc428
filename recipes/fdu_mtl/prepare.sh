#!/usr/bin/env bash
# Prepare the 16-domain FDU-MTL benchmark.
# usage: recipes/fdu_mtl/prepare.sh [RAW_DIR] [OUT_DIR]
#        PROFILE=minilm_cpu recipes/fdu_mtl/prepare.sh   (a pretrained profile: its model and
#          options; OUT_DIR default: the profile's PROFILE_DATA)
#   RAW_DIR default: $FAIRSEQ_MTL_DATA/fdu-mtl, else ../shared/data/fdu-mtl
#   OUT_DIR default: data-bin/fdu-mtl
# --skip-bad-input: the real data has one empty text (sports_outdoors.task.train:1121); it is
# skipped and counted in the summary instead of stopping the preparation.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
RAW_DIR="${1:-${FAIRSEQ_MTL_DATA:-$ROOT/../shared/data}/fdu-mtl}"
PREPARE_ARGS=(--embeddings "${EMBEDDINGS:-glove-6b-50d}")
if [[ -n "${PROFILE:-}" ]]; then source "$ROOT/recipes/fdu_mtl/profiles/$PROFILE.sh"; fi
OUT_DIR="${2:-${PROFILE_DATA:-$ROOT/data-bin/fdu-mtl}}"

"${BIN:-$ROOT/.venv/bin}/fairseq-mtl-prepare" fdu-mtl --raw-dir "$RAW_DIR" --out "$OUT_DIR" \
  "${PREPARE_ARGS[@]}" --skip-bad-input
