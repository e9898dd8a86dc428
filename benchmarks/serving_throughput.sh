#!/usr/bin/env bash
# CPU prediction throughput of one fine-tuned all-MiniLM-L6-v2 (S-C, SST-2) three ways, whole
# processes, alternating A B C A B C ..., on the same 872 SST-2 dev sentences (raw text):
#   A  the export:            python EXPORT/serve.py        (onnxruntime, numpy; no torch)
#   B  fairseq-mtl-predict    (fairseq + torch)
#   C  Hugging Face pipeline("text-classification") on the same weights (benchmarks/hf_pipeline.py)
# usage: benchmarks/serving_throughput.sh setup        # prepare, fine-tune (94 updates), export, convert
#        benchmarks/serving_throughput.sh run [ROUNDS]  # ROUNDS (default 3) of A B C per batch size
# Batch sizes: $BATCHES (default "1 32"). Every process gets the machine's default threads.
# Writes $WORK/times.tsv (round, batch, which, wall s, peak KiB) and prints the table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/.venv/bin}"
WORK="${WORK:-/tmp/fairseq-mtl-serving-bench}"
MODEL="${PRETRAINED:-$ROOT/pretrained/all-MiniLM-L6-v2}"
RAW="${RAW:-${FAIRSEQ_MTL_DATA:-$ROOT/../shared/data}/glue}"
MODE="${1:-}"
case "$MODE" in
  setup)
    mkdir -p "$WORK"
    "$BIN/fairseq-mtl-prepare" glue --raw-dir "$RAW" --out "$WORK/sst2" --tasks SST-2 \
      --pretrained "$MODEL" --max-length 128 --train-subsample SST-2:3000 | tail -n 2
    OMP_NUM_THREADS=2 "$BIN/fairseq-train" "$WORK/sst2" --user-dir "$ROOT/user_dir" \
      --arch stack_cls_transformer --pretrained "$MODEL" --max-update 94 --batch-size 32 \
      --lr 5e-5 --optimizer torch_adamw --save-dir "$WORK/ck" --no-epoch-checkpoints --seed 1 \
      --num-workers 0 --log-interval 20 | grep -E "valid on|done training"
    "$BIN/fairseq-mtl-export" "$WORK/ck/checkpoint_best.pt" "$WORK/onnx" --overwrite
    rm -rf "$WORK/hf"
    "$BIN/python" "$ROOT/benchmarks/hf_pipeline.py" convert "$WORK/ck/checkpoint_best.pt" \
      "$MODEL" "$WORK/hf" 2>&1 | grep "check:"
    tail -n +2 "$RAW/SST-2/dev.tsv" | cut -f1 > "$WORK/dev.txt"
    ;;
  run)
    ROUNDS="${2:-3}"
    [[ -s "$WORK/dev.txt" ]] || { echo "run setup first" >&2; exit 2; }
    TIMES="$WORK/times.tsv"; : > "$TIMES"
    for round in $(seq 1 "$ROUNDS"); do
      for batch in ${BATCHES:-1 32}; do
        for which in export predict hf; do
          case "$which" in
            export) cmd=("$BIN/python" "$WORK/onnx/serve.py" --task SST-2) ;;
            predict) cmd=("$BIN/fairseq-mtl-predict" --checkpoint "$WORK/ck/checkpoint_best.pt"
                          --task SST-2 --device cpu) ;;
            hf) cmd=("$BIN/python" "$ROOT/benchmarks/hf_pipeline.py" predict "$WORK/hf") ;;
          esac
          /usr/bin/time -f "%e %M" -o "$WORK/one.time" "${cmd[@]}" --input "$WORK/dev.txt" \
            --batch-size "$batch" --output "$WORK/out.$which.$batch.tsv" 2> "$WORK/one.err" \
            || { cat "$WORK/one.err" >&2; exit 1; }
          read -r wall kib < "$WORK/one.time"
          printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$batch" "$which" "$wall" "$kib" >> "$TIMES"
        done
      done
    done
    "$BIN/python" - "$TIMES" "$WORK/dev.txt" <<'EOF'
import statistics, sys
from collections import defaultdict
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
texts = sum(1 for _ in open(sys.argv[2]))
wall, mem = defaultdict(list), defaultdict(list)
for r, b, w, s, k in rows:
    wall[b, w].append((int(r), float(s))); mem[b, w].append(int(k) / 1024)
print(f"| batch | command | wall s, median (min-max) | texts/s | peak MiB | wall / export's (per round) |")
print("|---:|---|---:|---:|---:|---:|")
for b in sorted({b for b, _ in wall}, key=int):
    base = dict(wall[b, "export"])
    for w in ("export", "predict", "hf"):
        s = [x for _, x in wall[b, w]]
        ratio = statistics.median(x / base[r] for r, x in wall[b, w])
        print(f"| {b} | {w} | {statistics.median(s):.2f} ({min(s):.2f}-{max(s):.2f}) | "
              f"{texts / statistics.median(s):.0f} | {statistics.median(mem[b, w]):.0f} | "
              f"{ratio:.2f} |")
EOF
    ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
