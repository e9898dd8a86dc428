#!/usr/bin/env bash
# Rebuild thesis_results/fdu_mtl_lstm.md from the run records kept in thesis_results/runs/
# (eval_test.json, eval_valid.json, run.json of every run; copied there from runs/ after a run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/thesis_results/fdu_mtl_lstm.md"
"$PY" -m fairseq_mtl.analysis.lstm_table --runs "$ROOT/thesis_results/runs/cpu" --out "$OUT" \
  --preamble "$ROOT/thesis_results/notes/fdu_mtl_lstm.md" > /dev/null
"$PY" -m fairseq_mtl.analysis.lstm_table --runs "$ROOT/thesis_results/runs/fdu_mtl_diag" \
  --out /tmp/fdu_mtl_diag.md --title "Diagnostics: ASP-MTL variants (test error %)" > /dev/null
{ echo; sed 's/^# /## /' /tmp/fdu_mtl_diag.md; } >> "$OUT"
echo "wrote $OUT"
