#!/usr/bin/env bash
# Train a list of runs side by side on one lent GPU machine, stop them all before a deadline,
# and leave their records (never checkpoints) under $OUT. Small models leave a GPU mostly idle,
# so one process per run keeps it busy (14-20 small runs shared an H100 well).
# usage: scripts/device_runs.sh SECONDS RUN_LIST
#   SECONDS   wall-clock budget of this call: runs still training at SECONDS - GRACE (default
#             45) are stopped, so that the records are packed in time
#   RUN_LIST  one run per line, "BENCH PROFILE ARCH SEED" (# starts a comment); BENCH is
#             fdu_mtl (recipes/fdu_mtl/train.sh), glue (recipes/glue/train.sh) or
#             glue_pretrained (the same recipe; the layout of recipes/glue/run_pretrained.sh)
#   JOBS      runs at a time (default: all); a run is not started with under MIN_START (120) s left
#   RUNS_ROOT run directories (default /tmp/runs): RUNS_ROOT/BENCH/PROFILE/ARCH/seedN
#   FAIRSEQ_MTL_COMMIT  the commit the runs record (the tree the device gets has no .git)
# Source scripts/offline_gpu_env.sh first (BIN). Called again on the same warm machine it
# resumes: finished runs (run.json) are skipped, cut ones resume from checkpoint_last.pt.
# Leaves: $OUT/records.tar.gz (run.json, eval_*, train.log, dev_curve.json, train_seconds.parts,
# GLUE submission files of every run), $OUT/status.tsv (each run: done, cut at the deadline,
# failed, not started; the last epoch it validated); fold them into the tables here with
# scripts/device_fold.sh.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
[[ $# -eq 2 ]] || recipe_usage 2
BUDGET="$1"; LIST="$2"
GRACE="${GRACE:-45}"; MIN_START="${MIN_START:-120}"
RUNS_ROOT="${RUNS_ROOT:-/tmp/runs}"; OUT="${OUT:-/tmp/out}"
START=$(date +%s); STOP_AT=$(( START + BUDGET - GRACE ))
mkdir -p "$RUNS_ROOT" "$OUT"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

RUNS=()
while read -r bench profile arch seed rest; do
  [[ -z "${bench:-}" || "$bench" == \#* ]] && continue
  case "$bench" in fdu_mtl|glue|glue_pretrained) ;; *)
    echo "$LIST: unknown bench '$bench' (fdu_mtl, glue, glue_pretrained)" >&2; exit 2 ;; esac
  [[ -n "${seed:-}" && -z "${rest:-}" ]] || { echo "$LIST: want 'BENCH PROFILE ARCH SEED', got: $bench $profile $arch $seed $rest" >&2; exit 2; }
  RUNS+=("$bench $profile $arch $seed")
done < "$LIST"
JOBS="${JOBS:-${#RUNS[@]}}"

dir_of() { echo "$RUNS_ROOT/$1/$2/$3/seed$4"; }
recipe_of() { [[ "$1" == fdu_mtl ]] && echo "$ROOT/recipes/fdu_mtl/train.sh" || echo "$ROOT/recipes/glue/train.sh"; }

declare -A PID=()     # run -> process group of its recipe
declare -A STATE=()   # run -> done | failed | cut | not started
next=0
while :; do
  now=$(date +%s)
  # start runs while there is room and time
  while (( ${#PID[@]} < JOBS && next < ${#RUNS[@]} )); do
    run="${RUNS[$next]}"; next=$(( next + 1 ))
    read -r bench profile arch seed <<< "$run"
    dir="$(dir_of $run)"
    if [[ -f "$dir/run.json" ]]; then STATE[$run]=done; continue; fi
    if (( STOP_AT - now < MIN_START )); then STATE[$run]="not started"; continue; fi
    mkdir -p "$dir"
    # its own session: the deadline stops the recipe and the fairseq-train under it together
    RUN_DIR="$dir" setsid "$(recipe_of "$bench")" "$arch" "$seed" "$profile" \
      > "$dir.out" 2>&1 < /dev/null &
    PID[$run]=$!
  done
  (( ${#PID[@]} == 0 )) && break
  sleep 2
  for run in "${!PID[@]}"; do
    if ! kill -0 "${PID[$run]}" 2>/dev/null; then
      wait "${PID[$run]}"; rc=$?
      [[ $rc == 0 ]] && STATE[$run]=done || STATE[$run]="failed (exit $rc)"
      unset "PID[$run]"
    fi
  done
  if (( $(date +%s) >= STOP_AT && ${#PID[@]} > 0 )); then
    for run in "${!PID[@]}"; do kill -TERM -- "-${PID[$run]}" 2>/dev/null; STATE[$run]=cut; done
    sleep 10
    for run in "${!PID[@]}"; do kill -KILL -- "-${PID[$run]}" 2>/dev/null; wait "${PID[$run]}" 2>/dev/null; done
    PID=()
    while (( next < ${#RUNS[@]} )); do STATE[${RUNS[$next]}]="not started"; next=$(( next + 1 )); done
    break
  fi
done

# what each run reached: its last validated epoch (fairseq's "valid on" lines)
{
  printf 'bench\tprofile\tarch\tseed\tstate\tlast epoch validated\n'
  for run in "${RUNS[@]}"; do
    log="$(dir_of $run)/train.log"
    epoch=$(grep -o '| epoch [0-9]* | valid on' "$log" 2>/dev/null | tail -n 1 | grep -o '[0-9][0-9]*' || true)
    [[ -n "$epoch" ]] && epoch=$(( 10#$epoch ))
    printf '%s\t%s\t%s\n' "${run// /$'\t'}" "${STATE[$run]:-not started}" "${epoch:--}"
  done
} > "$OUT/status.tsv"
column -t -s $'\t' "$OUT/status.tsv" 2>/dev/null || cat "$OUT/status.tsv"
(cd "$RUNS_ROOT" && find . \( -name run.json -o -name 'eval_*' -o -name train.log \
   -o -name dev_curve.json -o -name train_seconds.parts -o -name 'seed*.out' \
   -o -path '*/submission/*' \) -type f \
   | tar czf "$OUT/records.tar.gz" -T -)
echo "records of ${#RUNS[@]} runs in $OUT/records.tar.gz, $(( $(date +%s) - START )) s of $BUDGET"
