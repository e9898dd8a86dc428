#!/usr/bin/env bash
# The suggestion experiment (issue: suggested auxiliaries vs random ones of the same count):
# every main task trained with its top-K suggested auxiliaries (a predictor trained without
# that main task's pairs) and with K random auxiliaries, DRAWS times; then the report again,
# whose table "Suggested vs random auxiliaries, trained" compares them. Needs the finished grid
# (recipes/relations/run_all.sh). Resumable: finished runs are skipped.
# usage: recipes/relations/suggest_check.sh [PROFILE] [K] [DRAWS] [LABELS]
#   defaults: cpu 3 1 absolute (LABELS: absolute = gain > 0, the paper's; relative = gain above
#   the main task's median gain). JOBS=2 runs the suggested and the random run side by side.
# It prints its plan first; with no argument at all it needs --all (cpu 3 1 absolute).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
PROFILE="${1:-cpu}"; K="${2:-3}"; DRAWS="${3:-1}"; LABELS="${4:-absolute}"
DATA="${DATA:-$ROOT/data-bin/fdu-mtl}"
BIN="${BIN:-$ROOT/.venv/bin}"
RUNS="${RUNS:-$ROOT/runs/relations/$PROFILE}"
REL=(); [[ "$LABELS" == relative ]] && REL=(--relative)
TASKS=($("$BIN/python" -c "import json,sys; print(' '.join(t['name'] for t in
json.load(open(sys.argv[1]))['tasks']))" "$DATA/manifest.json"))
# per main task: one suggested and DRAWS random runs of ~1.9 min (measured: 32 runs, 30 min, 2 jobs)
recipe_plan $(( ${#TASKS[@]} * (1 + DRAWS) )) "$([[ "$PROFILE" == cpu ]] && echo 2 || echo 0)" "${JOBS:-2}"
for MAIN in "${TASKS[@]}"; do
  echo "$(date +%T) $MAIN: top-$K suggested ($LABELS labels) and $DRAWS random draw(s)"
  "$BIN/fairseq-mtl-relations" train-suggested --runs "$RUNS" --data "$DATA" --main "$MAIN" \
    --top "$K" --random "$DRAWS" "${REL[@]}" --profile "$PROFILE" --jobs "${JOBS:-2}" --quiet \
    > /dev/null
done
"$ROOT/recipes/relations/run_all.sh" "$PROFILE"
