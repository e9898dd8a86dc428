#!/usr/bin/env bash
# Paper Table 3, leave-one-out shared-knowledge transfer: for each TARGET task, train SP-MTL and
# ASP-MTL on the other 15 tasks, extract each shared LSTM, and train the TARGET on it frozen,
# single channel (transfer_sc) and bi-channel (transfer_bc). Finished runs are skipped.
# usage: recipes/fdu_mtl/transfer.sh [PROFILE] [SEED] [TARGET...]     (default: cpu 1, all 16)
#        SOURCES="asp_lstm" recipes/fdu_mtl/transfer.sh cpu 1 books MR  (a subset)
#        TRANSFER_SEEDS="1 2 3" recipes/fdu_mtl/transfer.sh cpu 1   (three transfer runs per
#          target and kind, seeds 1-3, all on the seed-1 source models: transfer-training noise)
# Output: runs/fdu_mtl_transfer/PROFILE/SOURCE/TARGET/seedSEED/{source,transfer_sc,transfer_bc}/
#   (a transfer seed T other than SEED: transfer_sc.seedT, transfer_bc.seedT beside them)
# then the table thesis_results/fdu_mtl_transfer.md (records copied to thesis_results/runs/).
# It prints its plan first; with no argument at all it needs --all (cpu, seed 1, all 16 targets).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
PROFILE="${1:-cpu}"; SEED="${2:-1}"; shift $(( $# < 2 ? $# : 2 ))
DATA="${DATA:-$ROOT/data-bin/fdu-mtl}"
BIN="${BIN:-$ROOT/.venv/bin}"
ALL_TASKS=($("$BIN/python" -c "import json,sys; print(' '.join(t['name'] for t in
json.load(open(sys.argv[1]))['tasks']))" "$DATA/manifest.json"))
TARGETS=("${@:-${ALL_TASKS[@]}}")
SOURCES=(${SOURCES:-sp_lstm asp_lstm})
TRANSFER_SEEDS=(${TRANSFER_SEEDS:-$SEED})
OUT="$ROOT/runs/fdu_mtl_transfer/$PROFILE"
# a source run (~11 min on the cpu profile) and two transfer runs (~1 min each) per target and
# source; finished targets are counted as runs left all the same (cheap to skip)
recipe_plan $(( ${#TARGETS[@]} * ${#SOURCES[@]} )) "$([[ "$PROFILE" == cpu ]] && echo 13 || echo 0)"
for TARGET in "${TARGETS[@]}"; do
  OTHERS="$(printf '%s\n' "${ALL_TASKS[@]}" | grep -vx "$TARGET" | paste -sd,)"
  for SOURCE in "${SOURCES[@]}"; do
    DIR="$OUT/$SOURCE/$TARGET/seed$SEED"
    if [[ ! -f "$DIR/source/run.json" ]]; then
      echo "$(date +%T) $SOURCE on the 15 tasks other than $TARGET"
      RUN_DIR="$DIR/source" "$ROOT/recipes/fdu_mtl/train.sh" "$SOURCE" "$SEED" "$PROFILE" \
        --tasks "$OTHERS"
    fi
    if [[ ! -f "$DIR/source/shared.pt" ]]; then
      "$BIN/fairseq-mtl-extract-shared" "$DIR/source/checkpoint_best.pt" \
        --out "$DIR/source/shared.pt"
    fi
    for T in "${TRANSFER_SEEDS[@]}"; do
      for ARCH in transfer_sc transfer_bc; do
        RUN="$DIR/$ARCH"; [[ "$T" == "$SEED" ]] || RUN="$DIR/$ARCH.seed$T"
        if [[ -f "$RUN/run.json" ]]; then continue; fi
        echo "$(date +%T) $ARCH seed $T: $TARGET on the frozen $SOURCE shared layer"
        RUN_DIR="$RUN" "$ROOT/recipes/fdu_mtl/train.sh" "$ARCH" "$T" "$PROFILE" \
          --tasks "$TARGET" --shared-encoder "$DIR/source/shared.pt"
      done
    done
  done
done
(cd "$ROOT/runs/fdu_mtl_transfer/$PROFILE" && find . -name '*.json' | while read -r f; do
  mkdir -p "$ROOT/thesis_results/runs/transfer_$PROFILE/$(dirname "$f")"
  cp "$f" "$ROOT/thesis_results/runs/transfer_$PROFILE/$f"
done)
NOTE="$ROOT/thesis_results/notes/fdu_mtl_transfer.md"; PRE=()
[[ "$PROFILE" == cpu && -f "$NOTE" ]] && PRE=(--preamble "$NOTE")
"$BIN/python" -m fairseq_mtl_tools.transfer_table \
  --runs "$ROOT/thesis_results/runs/transfer_$PROFILE" \
  --single "$ROOT/thesis_results/runs/$PROFILE/st_lstm" "${PRE[@]}" \
  --out "$ROOT/thesis_results/fdu_mtl_transfer.md"
