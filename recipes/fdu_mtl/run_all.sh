#!/usr/bin/env bash
# Reproduce paper Table 2 (LSTM rows; profiles cpu, paper) or the thesis' Table 4.2
# (Transformer schemes; profiles tf_cpu, thesis): every model x every seed, then the table.
# usage: recipes/fdu_mtl/run_all.sh [PROFILE] [SEEDS...]      e.g. run_all.sh tf_cpu 1 2 3
#        ARCHS="st_lstm asp_lstm" recipes/fdu_mtl/run_all.sh cpu 1     (a subset of models)
# Finished runs (run.json present) are skipped, so the script can be re-run after a stop.
# It prints its plan first; with no argument at all it needs --all (the cpu profile, seed 1).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
PROFILE="${1:-cpu}"; shift || true
SEEDS=("${@:-1}")
case "$PROFILE" in
  tf_cpu|thesis) DEFAULT_ARCHS="st_transformer stack_cls_transformer
    layerwise_implicit_transformer layerwise_explicit_transformer stack_pool_transformer
    asp_transformer" ;;
  *) DEFAULT_ARCHS="st_lstm st_bilstm st_slstm mt_dnn mt_cnn fs_lstm sp_lstm asp_lstm" ;;
esac
ARCHS=(${ARCHS:-$DEFAULT_ARCHS})
LEFT=0
for SEED in "${SEEDS[@]}"; do for ARCH in "${ARCHS[@]}"; do
  [[ -f "$ROOT/runs/fdu_mtl/$PROFILE/$ARCH/seed$SEED/run.json" ]] || LEFT=$((LEFT + 1)); done; done
case "$PROFILE" in cpu) EACH=11 ;; tf_cpu) EACH=23 ;; minilm_cpu) EACH=80 ;; *) EACH=0 ;; esac
recipe_plan "$LEFT" "$EACH"
for SEED in "${SEEDS[@]}"; do
  for ARCH in "${ARCHS[@]}"; do
    if [[ -f "$ROOT/runs/fdu_mtl/$PROFILE/$ARCH/seed$SEED/run.json" ]]; then continue; fi
    "$ROOT/recipes/fdu_mtl/train.sh" "$ARCH" "$SEED" "$PROFILE"
  done
done
# keep the small run records (scores + run.json) with the results, then rebuild the table
(cd "$ROOT/runs/fdu_mtl/$PROFILE" && find . -name '*.json' | while read -r f; do
  mkdir -p "$ROOT/thesis_results/runs/$PROFILE/$(dirname "$f")"
  cp "$f" "$ROOT/thesis_results/runs/$PROFILE/$f"
done)
"$ROOT/recipes/fdu_mtl/make_tables.sh" "$PROFILE"
