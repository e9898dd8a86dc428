#!/usr/bin/env bash
# The adversary on FDU-MTL (profile cpu of recipes/fdu_mtl): SP-MTL with a discriminator that
# only watches (lambda 0: can it tell the tasks apart in the shared vector at all?) and ASP-MTL
# under each discriminator schedule, each run's shared layer probed for the task, and the paired
# ASP - SP test error with a 95% interval over seeds. Writes thesis_results/adversary_fdu.md.
# usage: recipes/adversary/fdu.sh NAME[,NAME...] SEED [SEED...]   e.g. fdu.sh sp_watch,asp_critic_conf 1 2 3
#        recipes/adversary/fdu.sh --all                         every configuration, seeds 1 2 3
#   NAMEs: sp_watch asp_joint asp_critic_rev asp_critic_conf sp_watch_unl asp_critic_conf_unl asp_man; JOBS=2 runs at a time (one thread
#   each); finished runs (run.json present) are skipped; TABLE_ONLY=1 rebuilds the table from
#   RUNS, or, where RUNS does not exist (a fresh clone), from the records stored beside it.
#   MAX_EPOCH=N stops every run after N epochs instead of the profile's 8. The lr is fixed and
#   lambda constant, so the first N epochs are the same computation as the full run's; the
#   table gives each configuration's epochs per seed.
#   EXTEND=1 (with MAX_EPOCH=N) continues a finished run to N epochs when its dev-selected
#   epoch is its last one (it might still improve), from its checkpoint_last.pt (a run without
#   one is named and left as it is); its scores and run.json are made again, its log keeps
#   both parts. Dev decides, so both arms are treated
#   alike.
#   New runs join the stored records (thesis_results/runs/cpu-adversary), and the table is built
#   from all of them: a fresh clone that runs seed 29 adds a seed to the study.
#   Prepare first: recipes/fdu_mtl/prepare.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
BIN="${BIN:-$ROOT/.venv/bin}"
DATA="${DATA:-$ROOT/data-bin/fdu-mtl}"
RUNS="${RUNS:-$ROOT/runs/fdu_mtl/cpu-adversary}"
STORED="$ROOT/thesis_results/runs/cpu-adversary"
if [[ "${TABLE_ONLY:-0}" == 1 && ! -d "$RUNS" ]]; then
  echo "no runs in $RUNS: the table is rebuilt from the stored records in $STORED"; RUNS="$STORED"
fi
MAX_EPOCH="${MAX_EPOCH:-}"
# the critic's mixed batch: 4 sentences of each of the 16 tasks per update (reviews are long)
CRITIC="--discriminator-steps 5 --discriminator-sentences 4"
MAN_TRAIN="--sampler all_tasks --update-freq 16 --batch-size 8 --lr 0.0001 --max-epoch 30 --unlabeled"
MAN_CRITIC="--discriminator-steps 5 --discriminator-sentences 8 --discriminator-burst-steps 100"
MAN_CRITIC+=" --discriminator-burst-start 25 --discriminator-burst-period 175"
MAN_CRITIC+=" --discriminator-hidden-dim 128 --discriminator-dropout 0.4"
MAN_CRITIC+=" --adversarial-objective l2 --orthogonality-weight 0"
declare -A CONFIG=(
  [sp_watch]="sp_lstm --monitor-discriminator $CRITIC"
  [asp_joint]="asp_lstm"
  [asp_critic_rev]="asp_lstm $CRITIC"
  [asp_critic_conf]="asp_lstm $CRITIC --adversarial-objective confusion"
  # the power study (issue: does the adversary help?): the critic also reads every domain's
  # unlabeled text (MAN; paper Sec. 4.2), and so does the watching reference, so that both arms
  # see the same batches, the same data order and the same random draws
  [sp_watch_unl]="sp_lstm --monitor-discriminator $CRITIC --unlabeled"
  [asp_critic_conf_unl]="asp_lstm $CRITIC --adversarial-objective confusion --unlabeled"
  # MAN's whole recipe at its own length (Chen & Cardie 2018: their code's FDU-MTL settings, with
  # the paper's MAN-L2 loss; the code's default loss is MAN-NLL, here `reverse`), on this
  # profile's encoder: every update one batch of 8 from each of the 16 domains, Adam 1e-4, 30
  # epochs; the adversarial term on train + unlabeled text; the critic 5 steps on 8 sentences
  # per domain, 100 at the start of each epoch (MAN counts its 500-iteration period within an
  # epoch of 175 iterations), an MLP with batch norm and dropout 0.4; no orthogonality term
  [asp_man]="asp_lstm $MAN_TRAIN $MAN_CRITIC"
)
ORDER="sp_watch,asp_critic_conf,asp_critic_rev,asp_joint,sp_watch_unl,asp_critic_conf_unl,asp_man"
declare -A LABEL=(
  [sp_watch]="SP-MTL (critic watching, lambda 0)"
  [asp_joint]="ASP-MTL joint, reverse (paper; default)"
  [asp_critic_rev]="ASP-MTL critic k=5, reverse (MAN)"
  [asp_critic_conf]="ASP-MTL critic k=5, confusion"
  [sp_watch_unl]="SP-MTL + unlabeled (critic watching, lambda 0)"
  [asp_critic_conf_unl]="ASP-MTL critic k=5, confusion, + unlabeled"
  [asp_man]="ASP-MTL, MAN's whole recipe (30 epochs, all domains per update, L2)"
)
if [[ "$ALL" == 1 ]]; then NAMES="$ORDER"; SEEDS=(1 2 3)
elif [[ $# -ge 2 ]]; then NAMES="$1"; shift; SEEDS=("$@")
elif [[ "${TABLE_ONLY:-0}" != 1 ]]; then recipe_usage 2; fi
JOBS_LIST=()
if [[ "${TABLE_ONLY:-0}" != 1 ]]; then
  [[ -f "$DATA/manifest.json" ]] || { echo "prepare first: recipes/fdu_mtl/prepare.sh" >&2; exit 2; }
  for SEED in "${SEEDS[@]}"; do for NAME in ${NAMES//,/ }; do
    [[ -n "${CONFIG[$NAME]:-}" ]] || { echo "unknown configuration $NAME (${!CONFIG[*]})" >&2; exit 2; }
    dir="$RUNS/$NAME/seed$SEED"
    if [[ "${EXTEND:-0}" == 1 && -f "$dir/run.json" ]]; then
      [[ -n "$MAX_EPOCH" ]] || { echo "EXTEND=1 needs MAX_EPOCH=N (the epochs to continue to)" >&2; exit 2; }
      [[ -f "$dir/trajectory.json" ]] || { echo "$dir: no trajectory.json (build the table first)" >&2; exit 2; }
      if "$BIN/python" -c "import json, sys; t = json.load(open(sys.argv[1]))['dev_avg_acc']
sys.exit(0 if t.index(max(t)) == len(t) - 1 and len(t) < int(sys.argv[2]) else 1)" \
          "$dir/trajectory.json" "$MAX_EPOCH"; then
        if [[ -f "$dir/checkpoint_last.pt" ]]; then
          echo "continuing $NAME seed $SEED to $MAX_EPOCH epochs (its best epoch is its last)"
          rm -f "$dir"/{run.json,eval_valid.json,eval_valid.md,eval_test.json,eval_test.md,probe.json,shared.pt,trajectory.json}
        else
          # (training it again from the start is another run on another machine: SP-MTL's seed
          # 12, trained again here, had 83.75 % dev after epoch 1 where its record has 75.56)
          echo "NOT continuing $NAME seed $SEED (its best epoch is its last): no checkpoint_last.pt in $dir"
        fi
      fi
    fi
    [[ -f "$dir/run.json" ]] || JOBS_LIST+=("$NAME $SEED")
  done; done
  recipe_plan "${#JOBS_LIST[@]}" $(( 40 * ${MAX_EPOCH:-8} / 8 + 2 )) "${JOBS:-2}"  # measured: 37-40 min a run two side by side, 62 when sharing the cores with more
fi
run_one() {  # NAME SEED
  local name="$1" seed="$2" dir="$RUNS/$1/seed$2"
  read -r -a words <<< "${CONFIG_FLAT[$name]}"
  RUN_DIR="$dir" DATA="$DATA" "$ROOT/recipes/fdu_mtl/train.sh" "${words[0]}" "$seed" cpu \
    "${words[@]:1}" ${MAX_EPOCH:+--max-epoch "$MAX_EPOCH"} > "$dir.out" 2>&1 || { echo "FAILED $name seed $seed"; tail -n 15 "$dir/train.log"; return 1; }
  "$BIN/fairseq-mtl-extract-shared" "$dir/checkpoint_best.pt" --out "$dir/shared.pt" > /dev/null
  echo "done $name seed $seed"
}
if [[ ${#JOBS_LIST[@]} -gt 0 ]]; then
  mkdir -p "$RUNS"; for NAME in ${NAMES//,/ }; do mkdir -p "$RUNS/$NAME"; done
  export -f run_one; export ROOT RUNS DATA BIN MAX_EPOCH
  # associative arrays do not cross into xargs' shells: pass them flattened
  export CONFIG_DECL="$(declare -p CONFIG)"
  printf '%s\n' "${JOBS_LIST[@]}" | OMP_NUM_THREADS=1 xargs -P "${JOBS:-2}" -L 1 \
    bash -c 'eval "${CONFIG_DECL/CONFIG=/CONFIG_FLAT=}"; run_one "$@"' _
fi
LABELS=(); for NAME in "${!LABEL[@]}"; do LABELS+=(--label "$NAME=${LABEL[$NAME]}"); done
PREAMBLE=(); [[ -f "$ROOT/thesis_results/notes/adversary_fdu.md" ]] && \
  PREAMBLE=(--preamble "$ROOT/thesis_results/notes/adversary_fdu.md")
build_table() {  # RUNS_DIR: also writes each new run's trajectory.json and probe.json there
  "$BIN/python" -m fairseq_mtl_tools.adversary_table --runs "$1" --reference sp_watch \
    --pair asp_critic_conf_unl=sp_watch_unl \
    --title "The adversary of ASP-MTL on FDU-MTL: what the discriminator sees, what a probe finds" \
    --data "$DATA" --order "$ORDER" "${LABELS[@]}" "${PREAMBLE[@]}" \
    --out "$ROOT/thesis_results/adversary_fdu.md" > /dev/null
}
build_table "$RUNS"
if [[ ! "$RUNS" -ef "$STORED" ]]; then
  # the records beside the table (a run of RUNS replaces its stored record), and the table
  # from all of them: seeds run here join the stored ones
  (cd "$RUNS" && find . -name '*.json' | while read -r f; do
     mkdir -p "$STORED/$(dirname "$f")"; cp "$f" "$STORED/$f"; done)
  build_table "$STORED"
fi
echo "wrote thesis_results/adversary_fdu.md"
