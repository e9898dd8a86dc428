#!/usr/bin/env bash
# The training-throughput benchmark: every model by fairseq-train and by the plain PyTorch loop
# (benchmarks/plain_loop.py), back to back (A B A B ...), then the markdown table of steady-state
# sentences/s, tokens/s, the fairseq/plain ratio and peak memory.
# usage: benchmarks/run_all.sh [REPEATS] [UPDATES] [ARCHS...]
#   defaults: 3 repeats, 300 updates, asp_lstm asp_transformer stack_pool_transformer
#   stack_cls_transformer layerwise_implicit_transformer layerwise_explicit_transformer
#   OUT=dir (default runs/benchmarks/throughput) keeps every log; finished runs are not redone.
#   EXTRA="options" go to both sides, e.g. EXTRA="--optimizer torch_adamw" (give it its own OUT).
# Time it on an otherwise idle machine: the ratio is only as good as the quiet around it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPEATS="${1:-3}"; UPDATES="${2:-300}"; shift $(( $# < 2 ? $# : 2 ))
ARCHS=("${@:-asp_lstm}")
if [[ $# -eq 0 ]]; then
  ARCHS=(asp_lstm asp_transformer stack_pool_transformer stack_cls_transformer
         layerwise_implicit_transformer layerwise_explicit_transformer)
fi
OUT="${OUT:-$ROOT/runs/benchmarks/throughput}"
mkdir -p "$OUT"
for R in $(seq 1 "$REPEATS"); do
  for ARCH in "${ARCHS[@]}"; do
    for WHICH in fairseq plain; do
      BASE="$OUT/$ARCH.$WHICH.$R"
      if [[ -f "$BASE.time" ]] && grep -q "Exit status: 0" "$BASE.time"; then continue; fi
      /usr/bin/time -v -o "$BASE.time" \
        "$ROOT/benchmarks/train_throughput.sh" "$WHICH" "$ARCH" "$UPDATES" ${EXTRA:-} \
        > "$BASE.log" 2>&1
    done
  done
done
"$ROOT/.venv/bin/python" "$ROOT/benchmarks/throughput_table.py" "$OUT"
