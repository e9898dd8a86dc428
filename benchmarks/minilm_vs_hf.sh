#!/usr/bin/env bash
# Fine-tuning speed on a pretrained encoder: S-C on all-MiniLM-L6-v2 trained by fairseq-train
# (ours) vs Hugging Face's BertForSequenceClassification trained by a plain loop on the same
# batches (benchmarks/hf_bert_loop.py); both whole processes, one task (MRPC, prepared with
# --max-length 128), batch 32, fused AdamW lr 2e-5, dropout 0.1, no validation, no checkpoint.
# usage: benchmarks/minilm_vs_hf.sh ours|hf
#   (time the two with any whole-process timer, alternating A B A B; /usr/bin/time -v works)
# Needs: pretrained/all-MiniLM-L6-v2 (make pretrained); writes $DATA once (default
# data-bin/bench-mrpc-minilm) from ../shared/data/glue (or $FAIRSEQ_MTL_DATA/glue).
set -euo pipefail
if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then sed -n '2,9p' "$0"; exit 2; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/.venv/bin}"
MODEL="${MODEL:-$ROOT/pretrained/all-MiniLM-L6-v2}"
DATA="${DATA:-$ROOT/data-bin/bench-mrpc-minilm}"
UPDATES="${UPDATES:-60}"
if [[ ! -f "$DATA/manifest.json" ]]; then
  "$BIN/fairseq-mtl-prepare" glue --tasks MRPC --pretrained "$MODEL" --max-length 128 \
    --out "$DATA" > /dev/null
fi
ARGS=("$DATA" --user-dir "$ROOT/user_dir" --arch stack_cls_transformer --pretrained "$MODEL"
      --optimizer torch_adamw --lr 2e-5 --batch-size 32 --max-update "$UPDATES" --seed 1
      --disable-validation --no-save --num-workers 0 --log-format simple --log-interval 20)
case "$1" in
  ours) exec "$BIN/fairseq-train" "${ARGS[@]}" ;;
  hf) exec "$BIN/python" "$ROOT/benchmarks/hf_bert_loop.py" "${ARGS[@]}" ;;
  *) echo "first argument: ours or hf"; exit 2 ;;
esac
