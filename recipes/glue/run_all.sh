#!/usr/bin/env bash
# Every model on a GLUE task mix x seeds, then thesis_results/glue.md (dev scores).
# usage: recipes/glue/run_all.sh [PROFILE] [SEEDS...]          e.g. run_all.sh cpu 1 2 3
#        ARCHS="st_lstm asp_lstm" recipes/glue/run_all.sh cpu 1        (a subset of models)
#        NAME=glue_nli TASKS=MNLI,QNLI,RTE,WNLI recipes/glue/run_all.sh cpu 1 2 3
#          (the thesis' NLI group; prepare MNLI and QNLI first: recipes/glue/prepare.sh;
#          without them, TASKS=RTE,WNLI: the table still lists the thesis' MNLI/QNLI rows)
# Finished runs (run.json present) are skipped. It prints its plan first; with no argument at
# all it needs --all (the cpu profile, seed 1).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
PROFILE="${1:-cpu}"; shift || true
SEEDS=("${@:-1}")
NAME="${NAME:-glue}"
ARCHS=(${ARCHS:-st_lstm fs_lstm sp_lstm asp_lstm st_transformer stack_pool_transformer
       stack_cls_transformer layerwise_implicit_transformer layerwise_explicit_transformer})
LEFT=0
for SEED in "${SEEDS[@]}"; do for ARCH in "${ARCHS[@]}"; do
  [[ -f "$ROOT/runs/$NAME/$PROFILE/$ARCH/seed$SEED/run.json" ]] || LEFT=$((LEFT + 1)); done; done
case "$PROFILE" in cpu) EACH=13 ;; minilm_cpu) EACH=55 ;; *) EACH=0 ;; esac
recipe_plan "$LEFT" "$EACH"
for SEED in "${SEEDS[@]}"; do
  for ARCH in "${ARCHS[@]}"; do
    DIR="$ROOT/runs/$NAME/$PROFILE/$ARCH/seed$SEED"
    if [[ -f "$DIR/run.json" ]]; then continue; fi
    RUN_DIR="$DIR" "$ROOT/recipes/glue/train.sh" "$ARCH" "$SEED" "$PROFILE"
  done
done
(cd "$ROOT/runs/$NAME/$PROFILE" && find . -name '*.json' | while read -r f; do
  mkdir -p "$ROOT/thesis_results/runs/${NAME}_$PROFILE/$(dirname "$f")"
  cp "$f" "$ROOT/thesis_results/runs/${NAME}_$PROFILE/$f"
done)
EXTRA=()
if [[ "$NAME" == glue_nli ]]; then
  EXTRA=(--expect-tasks MNLI,MNLI-mm,QNLI,RTE,WNLI
         --title "The thesis' NLI group (its empty table), dev scores")
fi
PREAMBLE=()
if [[ -f "$ROOT/thesis_results/notes/$NAME.md" ]]; then
  PREAMBLE=(--preamble "$ROOT/thesis_results/notes/$NAME.md"); fi
# WNLI's majority class is read from the raw dev file, where it is (the table says so otherwise)
GLUE_DIR="${FAIRSEQ_MTL_DATA:-$ROOT/../shared/data}/glue"
[[ -d "$GLUE_DIR/WNLI" ]] && EXTRA+=(--glue-dir "$GLUE_DIR")
"${BIN:-$ROOT/.venv/bin}/python" -m fairseq_mtl_tools.glue_table \
  --runs "$ROOT/thesis_results/runs/${NAME}_$PROFILE" --out "$ROOT/thesis_results/$NAME.md" \
  "${PREAMBLE[@]}" "${EXTRA[@]}" > /dev/null
echo "wrote thesis_results/$NAME.md"
