#!/usr/bin/env bash
# The GLUE table on a pretrained encoder: single-task fine-tuning (st_transformer) and the
# thesis' schemes on the GLUE mix, and Hugging Face transformers' fine-tuning of the same
# checkpoint one task at a time (recipes/glue/hf_reference.py, the profile's hyper-parameters),
# for each SEED; then thesis_results/glue_pretrained.md (minilm_cpu; another profile:
# glue_pretrained_PROFILE.md), dev scores of the LAST checkpoints.
# usage: recipes/glue/run_pretrained.sh PROFILE SEED [SEED...]      e.g. minilm_cpu 1 2 3
#   JOBS=2 (default): runs two at a time, one thread each; ARCHS="..." a subset of schemes;
#   REFERENCE=0 skips the transformers runs. Finished runs (run.json present) are skipped.
#   Prepare first: make pretrained && PROFILE=minilm_cpu recipes/glue/prepare.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
if [[ $# -lt 2 ]]; then recipe_usage 2; fi
PROFILE="$1"; shift
SEEDS=("$@")
BIN="${BIN:-$ROOT/.venv/bin}"
source "$ROOT/recipes/glue/profiles/$PROFILE.sh"
DATA="${DATA:-$PROFILE_DATA}"
[[ -f "$DATA/manifest.json" ]] || { echo "prepare first: PROFILE=$PROFILE recipes/glue/prepare.sh"; exit 2; }
ARCHS=(${ARCHS:-st_transformer stack_pool_transformer stack_cls_transformer
       layerwise_implicit_transformer layerwise_explicit_transformer})
TASK_LIST=$("$BIN/python" -c "import json,sys; print(' '.join(t['name'] for t in json.load(open(sys.argv[1]))['tasks']))" "$DATA/manifest.json")
RUNS="$ROOT/runs/glue_pretrained/$PROFILE"; REF="$ROOT/runs/glue_hf/$PROFILE"
JOBS_LIST=()
for SEED in "${SEEDS[@]}"; do
  for ARCH in "${ARCHS[@]}"; do
    [[ -f "$RUNS/$ARCH/seed$SEED/run.json" ]] || JOBS_LIST+=("scheme $ARCH $SEED"); done
  if [[ "${REFERENCE:-1}" == 1 ]]; then
    for TASK in $TASK_LIST; do
      [[ -f "$REF/$TASK/seed$SEED/run.json" ]] || JOBS_LIST+=("hf $TASK $SEED"); done
  fi
done
echo "plan: ${#JOBS_LIST[@]} runs left (profile $PROFILE, seeds ${SEEDS[*]}), ${JOBS:-2} at a time;"
echo "  measured on 2 cores, one thread each: a scheme run ~55 min, transformers all tasks of one"
echo "  seed ~55 min (minilm_cpu); minilm_gpu needs a GPU"
run_one() {  # KIND NAME SEED
  local kind="$1" name="$2" seed="$3" dir log
  if [[ "$kind" == scheme ]]; then
    dir="$RUNS/$name/seed$seed"; log="$dir/train.log"; mkdir -p "$RUNS/$name"
    RUN_DIR="$dir" DATA="$DATA" "$ROOT/recipes/glue/train.sh" "$name" "$seed" "$PROFILE" \
      > "$dir.out" 2>&1 || { echo "FAILED $name seed $seed; last lines of $log:"; tail -n 15 "$log"; return 1; }
  else
    dir="$REF/$name/seed$seed"; mkdir -p "$dir"; log="$dir/train.log"
    "$BIN/python" "$ROOT/recipes/glue/hf_reference.py" "$DATA" --task "$name" --seed "$seed" \
      --model "$MODEL" --lr "$LR" --epochs "$EPOCHS" --batch-size "$BATCH" --profile "$PROFILE" \
      --out "$dir" > "$log" 2>&1 || { echo "FAILED transformers $name seed $seed; last lines of $log:"; tail -n 15 "$log"; return 1; }
  fi
  echo "done $kind $name seed $seed"
}
export -f run_one
export ROOT RUNS REF DATA PROFILE BIN MODEL LR EPOCHS BATCH
mkdir -p "$RUNS" "$REF"
if [[ ${#JOBS_LIST[@]} -gt 0 ]]; then
  printf '%s\n' "${JOBS_LIST[@]}" | OMP_NUM_THREADS=1 xargs -P "${JOBS:-2}" -L 1 bash -c 'run_one "$@"' _
fi
# one table per profile: minilm_cpu's is glue_pretrained.md, another profile's has its name
NAME=glue_pretrained; [[ "$PROFILE" == minilm_cpu ]] || NAME="glue_pretrained_$PROFILE"
# train.sh writes each run's dev scores after every epoch (dev_curve.json); runs recorded before
# it did get theirs here, once
for RUN_JSON in "$RUNS"/*/seed*/run.json; do
  [[ -f "$RUN_JSON" && ! -f "$(dirname "$RUN_JSON")/dev_curve.json" ]] || continue
  "$BIN/python" -m fairseq_mtl_tools.dev_curve "$(dirname "$RUN_JSON")/train.log" \
    --out "$(dirname "$RUN_JSON")/dev_curve.json" || echo "  (that run gets no curve)" >&2
done
for SRC in "$RUNS" "$REF"; do
  DEST="$ROOT/thesis_results/runs/$(basename "$(dirname "$SRC")")_$PROFILE"
  (cd "$SRC" && find . -name '*.json' | while read -r f; do
     mkdir -p "$DEST/$(dirname "$f")"; cp "$f" "$DEST/$f"; done)
done
PREAMBLE=()
[[ -f "$ROOT/thesis_results/notes/$NAME.md" ]] && PREAMBLE=(--preamble "$ROOT/thesis_results/notes/$NAME.md")
# WNLI's majority class is read from the raw dev file, where it is (the table says so otherwise)
GLUE_DIR="${FAIRSEQ_MTL_DATA:-$ROOT/../shared/data}/glue"
GLUE_ARGS=(); [[ -d "$GLUE_DIR/WNLI" ]] && GLUE_ARGS=(--glue-dir "$GLUE_DIR")
"$BIN/python" -m fairseq_mtl_tools.glue_table --runs "$ROOT/thesis_results/runs/glue_pretrained_$PROFILE" \
  --reference "$ROOT/thesis_results/runs/glue_hf_$PROFILE" --published minilm \
  --beside "$ROOT/thesis_results/runs/glue_cpu" \
  --beside-label "from scratch (glue.md, profile cpu: 2 layers, d=128, 3 epochs, five tasks without STS-B, each task's last part-batch not trained on)" \
  --title "GLUE dev scores on a pretrained encoder (all-MiniLM-L6-v2, profile $PROFILE)" \
  --out "$ROOT/thesis_results/$NAME.md" "${PREAMBLE[@]}" "${GLUE_ARGS[@]}" > /dev/null
echo "wrote thesis_results/$NAME.md"
