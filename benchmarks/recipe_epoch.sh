#!/usr/bin/env bash
# One epoch of the foundation recipe's training (16-task asp_lstm, FDU-MTL "cpu" profile:
# training, the epoch-end validation and the checkpoint writes) with the code of CHECKOUT, a
# directory holding a checkout of this project at any commit (default: this one). For timing
# one commit against another from outside, A B A B, e.g. with /usr/bin/time -v:
#   git worktree add /tmp/old f402c22
#   /usr/bin/time -v benchmarks/recipe_epoch.sh /tmp/old ; /usr/bin/time -v benchmarks/recipe_epoch.sh
# usage: benchmarks/recipe_epoch.sh [CHECKOUT] [extra fairseq-train options...]
#   The profile's options come from THIS checkout's recipes/fdu_mtl/profiles/cpu.sh, so both
#   sides train with the same options (the oldest commits have no recipes). The prepared data
#   (DATA, default data-bin/fdu-mtl) and the Python environment (BIN, default .venv/bin) are
#   this checkout's too; only the model, task and criterion code come from CHECKOUT.
#   Checkpoints go to a fresh temporary directory, removed at exit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHECKOUT="$(cd "${1:-$ROOT}" && pwd)"; shift $(( $# < 1 ? $# : 1 ))
BIN="${BIN:-$ROOT/.venv/bin}"
DATA="${DATA:-$ROOT/data-bin/fdu-mtl}"
test -d "$CHECKOUT/user_dir" || { echo "$CHECKOUT: no user_dir/, not a checkout of this project"; exit 2; }
source "$ROOT/recipes/lib.sh"
source "$ROOT/recipes/fdu_mtl/profiles/cpu.sh"
SAVE="$(mktemp -d)"; trap 'rm -rf "$SAVE"' EXIT
# CHECKOUT's fairseq_mtl package before the installed one
PYTHONPATH="$CHECKOUT${PYTHONPATH:+:$PYTHONPATH}" "$BIN/fairseq-train" "$DATA" \
  --user-dir "$CHECKOUT/user_dir" --task multitask_classification \
  --criterion multitask_adversarial --arch asp_lstm --seed 1 --save-dir "$SAVE" \
  --log-interval 200 --no-progress-bar "${TRAIN_ARGS[@]}" --max-epoch 1 --num-workers 0 "$@"
