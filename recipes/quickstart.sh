#!/usr/bin/env bash
# The README's first command: environment, data preparation, a short ASP-MTL run on CPU, and
# its per-task test table. ~6 minutes on a 2-core machine once the venv exists (2 epochs; full recipe:
# recipes/fdu_mtl/run_all.sh).
# usage: make quickstart   (or recipes/quickstart.sh; no arguments)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"
"$ROOT/scripts/setup_env.sh"
if [[ ! -f "$ROOT/data-bin/fdu-mtl/manifest.json" ]]; then
  "$ROOT/recipes/fdu_mtl/prepare.sh"
fi
RUN_DIR="$ROOT/runs/quickstart/asp_lstm" \
  "$ROOT/recipes/fdu_mtl/train.sh" asp_lstm 1 cpu --max-epoch 2
cat "$ROOT/runs/quickstart/asp_lstm/eval_test.md"
