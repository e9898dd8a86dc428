#!/usr/bin/env bash
# The task-relation study (Bingel & Sogaard 2017) on FDU-MTL: single-task runs with learning
# curves, every ordered pair, then the report (gain heat-maps, features, predictor, suggestion
# check) in thesis_results/task_relations*. Resumable: run it again after a stop.
# usage: recipes/relations/run_all.sh [PROFILE] [TASKS]
#   PROFILE: cpu (default; ~1.5 min per single run, ~3 per pair on 2 cores) or paper (GPU)
#   TASKS: comma-separated subset (default: all 16 tasks = 16 single + 240 pairwise runs)
#   JOBS=2: two runs at a time, each with half the cores (default 1)
# It prints its plan first; with no argument at all it needs --all (cpu, all 16 tasks).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
PROFILE="${1:-cpu}"; TASKS="${2:-}"
DATA="${DATA:-$ROOT/data-bin/fdu-mtl}"
BIN="${BIN:-$ROOT/.venv/bin}"
RUNS="${RUNS:-$ROOT/runs/relations/$PROFILE}"
N=$(if [[ -n "$TASKS" ]]; then echo "$TASKS" | tr ',' '\n' | wc -l; else echo 16; fi)
# N single runs (~1.5 min) and N(N-1) pairs (~3 min) on the cpu profile; finished ones skipped
recipe_plan $(( N * N )) "$([[ "$PROFILE" == cpu ]] && echo 3 || echo 0)" "${JOBS:-1}"
"$BIN/fairseq-mtl-relations" run --data "$DATA" ${TASKS:+--tasks "$TASKS"} \
  --profile "$PROFILE" --runs "$RUNS" --jobs "${JOBS:-1}"
NOTE="$ROOT/thesis_results/notes/task_relations.md"; PRE=()
[[ "$PROFILE" == cpu && -f "$NOTE" ]] && PRE=(--preamble "$NOTE")
"$BIN/fairseq-mtl-relations" report --runs "$RUNS" --data "$DATA" "${PRE[@]}" \
  --out "$ROOT/thesis_results/task_relations"
# keep the run records (no checkpoints) with the results
(cd "$RUNS" && find . -name result.json | while read -r f; do
  mkdir -p "$ROOT/thesis_results/runs/relations_$PROFILE/$(dirname "$f")"
  cp "$f" "$ROOT/thesis_results/runs/relations_$PROFILE/$f"
done)
