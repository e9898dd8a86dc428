#!/usr/bin/env bash
# The first minute: two FDU-MTL tasks (apparel and MR, short texts), ASP-MTL with a small LSTM
# for 2 epochs, then the per-task test table. About 1.5 minutes on 2 CPU cores once the
# venv exists (`make first-run` builds it first); the 16-task run: make quickstart.
# usage: make first-run   (or recipes/first_run.sh; no arguments)
#   raw data: $FAIRSEQ_MTL_DATA/fdu-mtl, else ../shared/data/fdu-mtl
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"
BIN="${BIN:-$ROOT/.venv/bin}"
RAW_DIR="${FAIRSEQ_MTL_DATA:-$ROOT/../shared/data}/fdu-mtl"
OUT="$ROOT/runs/first_run"
rm -rf "$OUT/ck"
"$BIN/fairseq-mtl-prepare" fdu-mtl --raw-dir "$RAW_DIR" --out "$OUT/data" --tasks apparel,MR \
  --embeddings glove-6b-50d --no-unlabeled --label-names 0:negative,1:positive
# the cpu profile's optimizer and batch (Adam 0.003, 16 sentences), a smaller LSTM (50 units,
# sentences cut to 64 words): what the first run is for is seeing every step work
OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" "$BIN/fairseq-train" "$OUT/data" \
  --user-dir "$ROOT/user_dir" --arch asp_lstm --hidden-dim 50 --truncate-length 64 \
  --max-epoch 2 --save-dir "$OUT/ck" --no-epoch-checkpoints --log-interval 50 --num-workers 0 \
  --seed 1
"$BIN/fairseq-mtl-evaluate" "$OUT/ck/checkpoint_best.pt" --split test --out "$OUT/eval_test" \
  > /dev/null
cat "$OUT/eval_test.md"
echo
echo "data: $OUT/data   checkpoint: $OUT/ck/checkpoint_best.pt   table: $OUT/eval_test.md (.json)"
echo "next: fairseq-mtl-predict --checkpoint $OUT/ck/checkpoint_best.pt --task apparel < texts.txt"
