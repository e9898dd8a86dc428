#!/usr/bin/env bash
# Prepare the GLUE tasks present in RAW (default: the five of ../shared/data/glue) with a
# sentencepiece model of 8000 pieces trained on their training text.
# usage: recipes/glue/prepare.sh [RAW_DIR] [OUT_DIR]     TASKS=CoLA,RTE recipes/glue/prepare.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RAW_DIR="${1:-${FAIRSEQ_MTL_DATA:-$ROOT/../shared/data}/glue}"
OUT_DIR="${2:-$ROOT/data-bin/glue}"
TASK_ARGS=()
if [[ -n "${TASKS:-}" ]]; then TASK_ARGS=(--tasks "$TASKS"); fi
"$ROOT/.venv/bin/fairseq-mtl-prepare" glue --raw-dir "$RAW_DIR" --out "$OUT_DIR" \
  --tokenizer sentencepiece --spm-vocab "${SPM_VOCAB:-8000}" "${TASK_ARGS[@]}"
