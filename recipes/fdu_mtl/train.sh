#!/usr/bin/env bash
# Train one model of paper Table 2 or of the thesis on the 16 FDU-MTL tasks, then score it on
# dev and test.
# usage: recipes/fdu_mtl/train.sh ARCH [SEED] [PROFILE] [extra fairseq-train args...]
#   ARCH: st_lstm st_bilstm st_slstm mt_dnn mt_cnn fs_lstm sp_lstm asp_lstm (profiles cpu,
#         paper) or st_transformer stack_pool_transformer stack_cls_transformer
#         layerwise_implicit_transformer layerwise_explicit_transformer fs_transformer
#         sp_transformer asp_transformer (profiles tf_cpu, thesis)
#   PROFILE: a file of profiles/ (default cpu)
# Output: runs/fdu_mtl/PROFILE/ARCH/seedSEED/{train.log,eval_valid.*,eval_test.*,run.json,tb/}
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
if [[ $# -lt 1 ]]; then recipe_usage 2; fi
ARCH="$1"; SEED="${2:-1}"; PROFILE="${3:-cpu}"; shift $(( $# < 3 ? $# : 3 ))
BIN="${BIN:-$ROOT/.venv/bin}"
RUN_DIR="${RUN_DIR:-$ROOT/runs/fdu_mtl/$PROFILE/$ARCH/seed$SEED}"
source "$ROOT/recipes/fdu_mtl/profiles/$PROFILE.sh"
# a profile may name its own prepared data (PROFILE_DATA: the pretrained profiles)
DATA="${DATA:-${PROFILE_DATA:-$ROOT/data-bin/fdu-mtl}}"
if [[ "${ARCH_FAMILY:-}" == transformer && "$ARCH" != *transformer ]]; then
  echo "profile $PROFILE trains Transformer archs only (*_transformer), not $ARCH" >&2; exit 2
fi

mkdir -p "$RUN_DIR"
# the profile's options (recipes/config/*.yaml, via profiles/PROFILE.sh), then this run's
CMD=("$BIN/fairseq-train" "$DATA" --user-dir "$ROOT/user_dir" --arch "$ARCH"
     --seed "$SEED" --save-dir "$RUN_DIR" --tensorboard-logdir "$RUN_DIR/tb" --verbose
     "${TRAIN_ARGS[@]}" "$@")
source "$ROOT/recipes/run_log.sh"
# the code the run starts with (the tree may change while it trains); +dirty: uncommitted edits
COMMIT="$(run_commit "$ROOT")"
train_logged "$RUN_DIR" "$COMMIT" "${CMD[@]}" \
  || recipe_failed "$RUN_DIR/train.log" "training $ARCH seed $SEED"
test -f "$RUN_DIR/checkpoint_best.pt" || recipe_failed "$RUN_DIR/train.log" "training $ARCH seed $SEED"
TRAIN_SECONDS=$(train_seconds "$RUN_DIR")
# one model load for both splits: writes eval_valid.{md,json} and eval_test.{md,json}
"$BIN/fairseq-mtl-evaluate" "$RUN_DIR/checkpoint_best.pt" --split valid,test --data "$DATA" \
  --out "$RUN_DIR/eval" > /dev/null
FAIRSEQ_MTL_COMMIT="$COMMIT" "$BIN/python" -m fairseq_mtl_tools.runinfo --out "$RUN_DIR/run.json" --arch "$ARCH" \
  --seed "$SEED" --profile "$PROFILE" --profile-note "$PROFILE_NOTE" \
  --train-seconds "$TRAIN_SECONDS" --train-log "$RUN_DIR/train.log" --command "${CMD[*]}"
echo "$ARCH seed $SEED: test $(grep -o '\*\*[0-9.]*\*\* |' "$RUN_DIR/eval_test.md" | head -1) accuracy; $RUN_DIR"
