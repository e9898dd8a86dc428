#!/usr/bin/env bash
# Training throughput of one model on the 16 FDU-MTL tasks, by fairseq-train or by the plain
# PyTorch loop of benchmarks/plain_loop.py: same options, data, model and batches.
# usage: benchmarks/train_throughput.sh fairseq|plain ARCH [UPDATES] [extra options...]
#   ARCH asp_lstm and the other LSTM archs use the FDU-MTL "cpu" profile; *_transformer archs
#   the "tf_cpu" profile (recipes/fdu_mtl/profiles/). UPDATES defaults to 300.
#   The log lines (fairseq's train_inner, or the plain loop's in the same layout) go to stdout;
#   benchmarks/throughput_table.py turns logs of both into the steady-state table.
# Needs: data-bin/fdu-mtl (recipes/fdu_mtl/prepare.sh). No validation, no checkpoints.
set -euo pipefail
if [[ $# -lt 2 ]]; then sed -n '2,9p' "$0"; exit 2; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHICH="$1"; ARCH="$2"; UPDATES="${3:-300}"; shift $(( $# < 3 ? $# : 3 ))
BIN="${BIN:-$ROOT/.venv/bin}"
DATA="${DATA:-$ROOT/data-bin/fdu-mtl}"
case "$ARCH" in *transformer) PROFILE=tf_cpu ;; *) PROFILE=cpu ;; esac
source "$ROOT/recipes/lib.sh"
source "$ROOT/recipes/fdu_mtl/profiles/$PROFILE.sh"
ARGS=("$DATA" --user-dir "$ROOT/user_dir" --task multitask_classification
      --criterion multitask_adversarial --arch "$ARCH" --seed 1 "${TRAIN_ARGS[@]}"
      --max-update "$UPDATES" --max-epoch 0 --disable-validation --no-save
      --num-workers 0 --log-format simple --log-interval 50 --no-progress-bar "$@")
case "$WHICH" in
  fairseq) exec "$BIN/fairseq-train" "${ARGS[@]}" ;;
  plain) cd "$ROOT" && exec "$BIN/python" benchmarks/plain_loop.py "${ARGS[@]}" ;;
  *) echo "first argument: fairseq or plain"; exit 2 ;;
esac
