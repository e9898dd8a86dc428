#!/usr/bin/env bash
# Epoch time against the number of tasks: one training epoch of ARCH on the first 2, 4, 8, 16
# FDU-MTL tasks (manifest order), no validation, no checkpoints; fairseq's own "done training in"
# seconds (start-up excluded). Per task count: sentences, tokens, seconds, seconds per 1,000
# sentences and per 100k tokens - flat per-unit columns mean the epoch grows linearly with data.
# usage: benchmarks/scaling.sh [ARCH] [COUNTS...]     default: asp_lstm 2 4 8 16
#   the LSTM archs use the FDU-MTL "cpu" profile, *_transformer archs "tf_cpu";
#   OUT=dir (default runs/benchmarks/scaling) keeps the logs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARCH="${1:-asp_lstm}"; shift || true
COUNTS=("${@:-2}"); if [[ $# -eq 0 ]]; then COUNTS=(2 4 8 16); fi
OUT="${OUT:-$ROOT/runs/benchmarks/scaling}"
DATA="${DATA:-$ROOT/data-bin/fdu-mtl}"
mkdir -p "$OUT"
ALL=$("$ROOT/.venv/bin/python" -c "import json,sys; print(','.join(t['name'] for t in json.load(open(sys.argv[1]))['tasks']))" "$DATA/manifest.json")
echo "| tasks | sentences | tokens | epoch seconds | s / 1k sentences | s / 100k tokens |"
echo "|---:|---:|---:|---:|---:|---:|"
for K in "${COUNTS[@]}"; do
  TASKS=$(echo "$ALL" | cut -d, -f1-"$K")
  LOG="$OUT/$ARCH.$K.log"
  "$ROOT/benchmarks/train_throughput.sh" fairseq "$ARCH" 0 --max-update 0 --max-epoch 1 \
    --tasks "$TASKS" --log-interval 1000000 > "$LOG" 2>&1
  "$ROOT/.venv/bin/python" - "$LOG" "$K" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
seconds = float(re.search(r"done training in ([0-9.]+) seconds", text).group(1))
end = [l for l in text.splitlines() if "| train | epoch 001" in l][-1]
field = lambda k: float(re.search(rf"\| {k} ([0-9.]+)", end).group(1))
updates, bsz, wpb = field("num_updates"), field("bsz"), field("wpb")
sentences, tokens = updates * bsz, updates * wpb
print(f"| {sys.argv[2]} | {sentences:,.0f} | {tokens:,.0f} | {seconds:.1f} | "
      f"{seconds / sentences * 1000:.2f} | {seconds / tokens * 1e5:.2f} |")
PY
done
