#!/usr/bin/env bash
# Rebuild the FDU-MTL LSTM results table from the run records kept in thesis_results/runs/
# (eval_test.json, eval_valid.json, run.json of every run; run_all.sh copies them there).
# usage: recipes/fdu_mtl/make_tables.sh [PROFILE]     (default cpu -> fdu_mtl_lstm.md)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROFILE="${1:-cpu}"
PY="$ROOT/.venv/bin/python"
RESULTS="$ROOT/thesis_results"
if [[ "$PROFILE" == cpu ]]; then NAME=fdu_mtl_lstm; else NAME="fdu_mtl_lstm_$PROFILE"; fi
OUT="$RESULTS/$NAME.md"
PREAMBLE=()
if [[ -f "$RESULTS/notes/$NAME.md" ]]; then PREAMBLE=(--preamble "$RESULTS/notes/$NAME.md"); fi
"$PY" -m fairseq_mtl.analysis.lstm_table --runs "$RESULTS/runs/$PROFILE" --out "$OUT" \
  "${PREAMBLE[@]}" > /dev/null
if [[ "$PROFILE" == cpu && -d "$RESULTS/runs/fdu_mtl_diag" ]]; then
  DIAG="$(mktemp)"
  "$PY" -m fairseq_mtl.analysis.lstm_table --runs "$RESULTS/runs/fdu_mtl_diag" --out "$DIAG" \
    --title "Diagnostics: ASP-MTL variants (test error %)" > /dev/null
  { echo; sed 's/^# /## /' "$DIAG"; } >> "$OUT"
  rm -f "$DIAG"
fi
echo "wrote $OUT"
