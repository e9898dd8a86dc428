#!/usr/bin/env bash
# Train one model on a GLUE task mix, then score its LAST checkpoint on dev (official metric of
# each task, GLUE-style average) and write the test predictions as GLUE submission files.
# usage: recipes/glue/train.sh ARCH [SEED] [PROFILE] [extra fairseq-train args...]
#   ARCH: st_lstm fs_lstm sp_lstm asp_lstm (LSTM); st_transformer stack_pool_transformer
#         stack_cls_transformer layerwise_implicit_transformer layerwise_explicit_transformer
#         asp_transformer (Transformer)
#   TASKS=RTE,WNLI recipes/glue/train.sh ...  trains on a subset of the prepared tasks
# Output: runs/glue/PROFILE/ARCH/seedSEED/{train.log,eval_valid.*,submission/,run.json,dev_curve.json}
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
if [[ $# -lt 1 ]]; then recipe_usage 2; fi
ARCH="$1"; SEED="${2:-1}"; PROFILE="${3:-cpu}"; shift $(( $# < 3 ? $# : 3 ))
BIN="${BIN:-$ROOT/.venv/bin}"
RUN_DIR="${RUN_DIR:-$ROOT/runs/glue/$PROFILE/$ARCH/seed$SEED}"
source "$ROOT/recipes/glue/profiles/$PROFILE.sh"
# a profile may name its own prepared data (PROFILE_DATA: the pretrained profiles)
DATA="${DATA:-${PROFILE_DATA:-$ROOT/data-bin/glue}}"
if [[ "${ARCH_FAMILY:-}" == transformer && "$ARCH" != *transformer ]]; then
  echo "profile $PROFILE trains Transformer archs only (*_transformer), not $ARCH" >&2; exit 2
fi
TASK_ARGS=()
if [[ -n "${TASKS:-}" ]]; then TASK_ARGS=(--tasks "$TASKS"); fi
mkdir -p "$RUN_DIR"
# the profile's options (recipes/config/*.yaml, via profiles/PROFILE.sh), then this run's
CMD=("$BIN/fairseq-train" "$DATA" --user-dir "$ROOT/user_dir" --arch "$ARCH"
     --seed "$SEED" --save-dir "$RUN_DIR" --tensorboard-logdir "$RUN_DIR/tb" --verbose
     "${TRAIN_ARGS[@]}" "${TASK_ARGS[@]}" "$@")
source "$ROOT/recipes/run_log.sh"
# the code the run starts with (the tree may change while it trains); +dirty: uncommitted edits
COMMIT="$(run_commit "$ROOT")"
train_logged "$RUN_DIR" "$COMMIT" "${CMD[@]}" \
  || recipe_failed "$RUN_DIR/train.log" "training $ARCH seed $SEED"
test -f "$RUN_DIR/checkpoint_last.pt" || recipe_failed "$RUN_DIR/train.log" "training $ARCH seed $SEED"
TRAIN_SECONDS=$(train_seconds "$RUN_DIR")
"$BIN/fairseq-mtl-evaluate" "$RUN_DIR/checkpoint_last.pt" --split valid --data "$DATA" \
  --out "$RUN_DIR/eval_valid" > /dev/null
"$BIN/fairseq-mtl-evaluate" "$RUN_DIR/checkpoint_last.pt" --split test --data "$DATA" \
  --out "$RUN_DIR/eval_test" --submission "$RUN_DIR/submission" > /dev/null
FAIRSEQ_MTL_COMMIT="$COMMIT" "$BIN/python" -m fairseq_mtl_tools.runinfo --out "$RUN_DIR/run.json" \
  --arch "$ARCH" --seed "$SEED" --profile "$PROFILE" --profile-note "$PROFILE_NOTE" \
  --train-seconds "$TRAIN_SECONDS" --command "${CMD[*]}"
# the dev scores after every epoch, from fairseq's validation lines (glue_table's curves)
"$BIN/python" -m fairseq_mtl_tools.dev_curve "$RUN_DIR/train.log" --out "$RUN_DIR/dev_curve.json" \
  || echo "  (no per-epoch dev curve for $RUN_DIR)" >&2
# the GLUE-style average where the mix has a task with another metric, else mean accuracy
AVERAGE=$(grep -o '\*\*[0-9.]*\*\* (GLUE-style)' "$RUN_DIR/eval_valid.md" ||
          grep '^| \*\*average\*\*' "$RUN_DIR/eval_valid.md" | grep -o '\*\*[0-9.]*\*\*' |
          head -1 | sed 's/$/ (mean accuracy)/' || true)
echo "$ARCH seed $SEED: dev average ${AVERAGE:-not found}; $RUN_DIR"
