#!/usr/bin/env bash
# The thesis' layer sweep (Fig. 4.1): S-P, S-C, L-I and L-E with 2, 4 and 6 layers, then the
# table and plot thesis_results/fdu_mtl_transformer_layers.{md,png}.
# usage: recipes/fdu_mtl/layer_sweep.sh [PROFILE] [SEEDS...]     e.g. layer_sweep.sh tf_cpu 1
#        LAYERS="2 4" ARCHS="layerwise_implicit_transformer" ...   (a subset)
# Runs: runs/fdu_mtl/PROFILE-layers/L<N>/ARCH/seed<S>; finished runs are skipped. A run whose
# layer count is the profile's own is the main table's run: its records are reused.
# It prints its plan first; with no argument at all it needs --all (tf_cpu, seed 1).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
PROFILE="${1:-tf_cpu}"; shift || true
SEEDS=("${@:-1}")
LAYERS=(${LAYERS:-2 4 6})
ARCHS=(${ARCHS:-stack_pool_transformer stack_cls_transformer layerwise_implicit_transformer
       layerwise_explicit_transformer})
source "$ROOT/recipes/fdu_mtl/profiles/$PROFILE.sh"
OWN=4  # the model default, unless the profile sets --encoder-layers
for ((i = 0; i < ${#TRAIN_ARGS[@]} - 1; i++)); do
  if [[ "${TRAIN_ARGS[$i]}" == --encoder-layers ]]; then OWN="${TRAIN_ARGS[$((i + 1))]}"; fi
done
KEEP="$ROOT/thesis_results/runs/$PROFILE-layers"
LEFT=0
for SEED in "${SEEDS[@]}"; do for N in "${LAYERS[@]}"; do for ARCH in "${ARCHS[@]}"; do
  [[ -f "$KEEP/L$N/$ARCH/seed$SEED/run.json" ]] || LEFT=$((LEFT + 1)); done; done; done
recipe_plan "$LEFT" "$([[ "$PROFILE" == tf_cpu ]] && echo 23 || echo 0)"
for SEED in "${SEEDS[@]}"; do
  for N in "${LAYERS[@]}"; do
    for ARCH in "${ARCHS[@]}"; do
      DEST="$KEEP/L$N/$ARCH/seed$SEED"
      if [[ -f "$DEST/run.json" ]]; then continue; fi
      MAIN="$ROOT/thesis_results/runs/$PROFILE/$ARCH/seed$SEED"
      if [[ "$N" == "$OWN" && -f "$MAIN/run.json" ]]; then
        mkdir -p "$DEST" && cp "$MAIN"/*.json "$DEST/"; continue
      fi
      RUN_DIR="$ROOT/runs/fdu_mtl/$PROFILE-layers/L$N/$ARCH/seed$SEED" \
        "$ROOT/recipes/fdu_mtl/train.sh" "$ARCH" "$SEED" "$PROFILE" --encoder-layers "$N"
      mkdir -p "$DEST" && cp "$ROOT/runs/fdu_mtl/$PROFILE-layers/L$N/$ARCH/seed$SEED"/*.json "$DEST/"
    done
  done
done
NOTE="$ROOT/thesis_results/notes/fdu_mtl_transformer_layers.md"; PRE=(); [[ "$PROFILE" == tf_cpu && -f "$NOTE" ]] && PRE=(--preamble "$NOTE")
"${BIN:-$ROOT/.venv/bin}/python" -m fairseq_mtl_tools.layer_sweep "${PRE[@]}" --runs "$KEEP" \
  --out "$ROOT/thesis_results/fdu_mtl_transformer_layers"
