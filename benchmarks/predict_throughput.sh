#!/usr/bin/env bash
# Prediction throughput on FDU-MTL-length reviews: every test review of the 16 tasks (6,400,
# 131.7 tokens on average), raw text, each with its own task, through fairseq-mtl-predict.
# usage: benchmarks/predict_throughput.sh CKPT [empty]
#   `empty` predicts nothing (model loading only): the difference of the two whole-process times
#   is the prediction time. The command prints its own rate on stderr as well.
# Needs the raw corpus in $RAW (default ../shared/data/fdu-mtl); the input is written to $WORK.
set -euo pipefail
if [[ $# -lt 1 ]]; then sed -n '2,7p' "$0"; exit 2; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CKPT="$1"; MODE="${2:-all}"
BIN="${BIN:-$ROOT/.venv/bin}"
RAW="${RAW:-$ROOT/../shared/data/fdu-mtl}"
WORK="${WORK:-/tmp/fairseq-mtl-predict-bench}"
mkdir -p "$WORK"
if [[ ! -s "$WORK/test.tsv" ]]; then
  { printf 'task\ttext\n'
    for f in "$RAW"/*.task.test; do
      task="$(basename "$f" .task.test)"
      cut -f2- "$f" | tr -d '\r' | sed "s/^/$task\t/"
    done; } > "$WORK/test.tsv.part" && mv "$WORK/test.tsv.part" "$WORK/test.tsv"
  head -1 "$WORK/test.tsv" > "$WORK/empty.tsv"
fi
INPUT="$WORK/test.tsv"; [[ "$MODE" == empty ]] && INPUT="$WORK/empty.tsv"
exec "$BIN/fairseq-mtl-predict" --checkpoint "$CKPT" --device "${DEVICE:-cpu}" --input "$INPUT" \
  --format tsv --task-column task --output "$WORK/out.tsv" --batch-size "${BATCH:-64}"
