#!/usr/bin/env bash
# Prepare the GLUE tasks present in RAW (default: the six of ../shared/data/glue) with a
# sentencepiece model of 8000 pieces trained on their training text; or, with PROFILE set to a
# pretrained profile (minilm_cpu, minilm_gpu), with that profile's model and options.
# usage: recipes/glue/prepare.sh [RAW_DIR] [OUT_DIR]     TASKS=CoLA,RTE recipes/glue/prepare.sh
#        PROFILE=minilm_cpu recipes/glue/prepare.sh      (OUT_DIR: the profile's PROFILE_DATA)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
RAW_DIR="${1:-${FAIRSEQ_MTL_DATA:-$ROOT/../shared/data}/glue}"
PREPARE_ARGS=(--tokenizer sentencepiece --spm-vocab "${SPM_VOCAB:-8000}")
if [[ -n "${PROFILE:-}" ]]; then source "$ROOT/recipes/glue/profiles/$PROFILE.sh"; fi
OUT_DIR="${2:-${PROFILE_DATA:-$ROOT/data-bin/glue}}"
TASK_ARGS=()
if [[ -n "${TASKS:-}" ]]; then TASK_ARGS=(--tasks "$TASKS"); fi
"${BIN:-$ROOT/.venv/bin}/fairseq-mtl-prepare" glue --raw-dir "$RAW_DIR" --out "$OUT_DIR" \
  "${PREPARE_ARGS[@]}" "${TASK_ARGS[@]}"
