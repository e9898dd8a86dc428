#!/usr/bin/env bash
# The adversary check whose answer is known (fairseq_mtl_tools/adversary_check.py): on a
# synthetic 4-task corpus where one word per sentence names the task and says nothing about the
# label, train SP-MTL and each ASP-MTL discriminator schedule, then probe each shared layer for
# the task. Writes thesis_results/adversary_synthetic.{md,json}.
# usage: recipes/adversary/synthetic.sh [SEED...]        (default seeds 1 2 3)
#   about 30-60 s a run on one core, 12 configurations: about 25 min for 3 seeds
#   OUT=dir (default runs/adversary_synthetic) holds the corpus, data and runs
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
SEEDS=("${@:-1 2 3}"); SEEDS=(${SEEDS[*]})
BIN="${BIN:-$ROOT/.venv/bin}"
OUT="${OUT:-$ROOT/runs/adversary_synthetic}"
CONFIGS=(
  "SP-MTL, critic watching (lambda 0)=sp_lstm --monitor-discriminator --discriminator-steps 5"
  "ASP joint, reverse (paper; default)=asp_lstm"
  "ASP joint, confusion=asp_lstm --adversarial-objective confusion"
  "ASP critic k 5, reverse (MAN)=asp_lstm --discriminator-steps 5"
  "ASP critic k 5, confusion=asp_lstm --discriminator-steps 5 --adversarial-objective confusion"
  "ASP critic k 5, confusion, DANN ramp=asp_lstm --discriminator-steps 5 --adversarial-objective confusion --adversarial-ramp dann"
  "ASP critic k 5, confusion, standardised D=asp_lstm --discriminator-steps 5 --adversarial-objective confusion --discriminator-standardize"
  "ASP critic k 5, confusion, lambda 1=asp_lstm --discriminator-steps 5 --adversarial-objective confusion --adversarial-weight 1"
  "ASP critic k 50 lr 0.01 32/task, confusion=asp_lstm --discriminator-steps 50 --discriminator-lr 0.01 --discriminator-sentences 32 --adversarial-objective confusion"
  "ASP critic k 50 lr 0.01 32/task, confusion, lambda 0.02=asp_lstm --discriminator-steps 50 --discriminator-lr 0.01 --discriminator-sentences 32 --adversarial-objective confusion --adversarial-weight 0.02"
  "ASP critic k 50 lr 0.01 32/task, confusion, lambda 0.2=asp_lstm --discriminator-steps 50 --discriminator-lr 0.01 --discriminator-sentences 32 --adversarial-objective confusion --adversarial-weight 0.2"
  "ASP critic k 50 lr 0.01 32/task, confusion, DANN ramp=asp_lstm --discriminator-steps 50 --discriminator-lr 0.01 --discriminator-sentences 32 --adversarial-objective confusion --adversarial-ramp dann"
)
echo "plan: ${#CONFIGS[@]} configurations x ${#SEEDS[@]} seeds, ~40 s a run alone (finished" \
     "runs are kept): at most $(( ${#CONFIGS[@]} * ${#SEEDS[@]} * 40 / 60 )) min"
ARGS=()
for c in "${CONFIGS[@]}"; do ARGS+=(--config "$c"); done
# the notes on how the runs were made (thesis_results/notes/), if any, go under the title
NOTES="$ROOT/thesis_results/notes/adversary_synthetic.md"
[[ -f "$NOTES" ]] && ARGS+=(--preamble "$NOTES")
OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$BIN/python" -m fairseq_mtl_tools.adversary_check \
  "$OUT" --seeds "${SEEDS[@]}" --user-dir "$ROOT/user_dir" "${ARGS[@]}"
cp "$OUT/adversary_check.md" "$ROOT/thesis_results/adversary_synthetic.md"
cp "$OUT/adversary_check.json" "$ROOT/thesis_results/adversary_synthetic.json"
echo "wrote thesis_results/adversary_synthetic.md"
