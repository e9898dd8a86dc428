#!/usr/bin/env bash
# Rebuild an FDU-MTL results table from the run records kept in thesis_results/runs/
# (eval_test.json, eval_valid.json, run.json of every run; run_all.sh copies them there).
# usage: recipes/fdu_mtl/make_tables.sh [PROFILE]
#   cpu (default) -> fdu_mtl_lstm.md          tf_cpu -> fdu_mtl_transformer.md
#   paper -> fdu_mtl_lstm_paper.md            thesis -> fdu_mtl_transformer_thesis.md
#   minilm_cpu -> fdu_mtl_pretrained.md, minilm_gpu -> fdu_mtl_pretrained_minilm_gpu.md (MiniLM
#     runs; the tf_cpu from-scratch averages beside them)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
PROFILE="${1:-cpu}"
PY="${BIN:-$ROOT/.venv/bin}/python"
RESULTS="$ROOT/thesis_results"
BESIDE=(); TITLE=()
case "$PROFILE" in
  cpu) FAMILY=lstm; NAME=fdu_mtl_lstm ;;
  tf_cpu) FAMILY=transformer; NAME=fdu_mtl_transformer ;;
  thesis) FAMILY=transformer; NAME=fdu_mtl_transformer_thesis ;;
  minilm_*) FAMILY=transformer; NAME=fdu_mtl_pretrained  # minilm_cpu; another profile: its own file
            [[ "$PROFILE" == minilm_cpu ]] || NAME="fdu_mtl_pretrained_$PROFILE"
            BESIDE=(--beside "$RESULTS/runs/tf_cpu" --beside-label "from scratch (tf_cpu profile)")
            TITLE=(--title "FDU-MTL on a pretrained encoder (all-MiniLM-L6-v2, profile $PROFILE): test accuracy %") ;;
  *) FAMILY=lstm; NAME="fdu_mtl_lstm_$PROFILE" ;;
esac
OUT="$RESULTS/$NAME.md"
PREAMBLE=()
if [[ -f "$RESULTS/notes/$NAME.md" ]]; then PREAMBLE=(--preamble "$RESULTS/notes/$NAME.md"); fi
"$PY" -m fairseq_mtl_tools.fdu_table --family "$FAMILY" --runs "$RESULTS/runs/$PROFILE" \
  --out "$OUT" "${PREAMBLE[@]}" "${BESIDE[@]}" "${TITLE[@]}" > /dev/null
if [[ "$PROFILE" == cpu && -d "$RESULTS/runs/fdu_mtl_diag" ]]; then
  DIAG="$(mktemp)"
  "$PY" -m fairseq_mtl_tools.fdu_table --runs "$RESULTS/runs/fdu_mtl_diag" --out "$DIAG" \
    --title "Diagnostics: ASP-MTL variants (test error %)" > /dev/null
  { echo; sed 's/^# /## /' "$DIAG"; } >> "$OUT"
  rm -f "$DIAG"
fi
if [[ "$PROFILE" == cpu && -d "$RESULTS/runs/cpu-adversary" ]]; then
  # the adversary schedules of recipes/adversary/fdu.sh (same profile, the 2-core CPU machine)
  ADV="$(mktemp)"
  "$PY" -m fairseq_mtl_tools.fdu_table --runs "$RESULTS/runs/cpu-adversary" --out "$ADV" \
    --title "The adversary schedules (recipes/adversary/fdu.sh, adversary_fdu.md): test error %; 'paper' = the paper's SP-MTL / ASP-MTL" \
    --label "sp_watch=SP-MTL, critic watching" \
    --label "asp_joint=ASP-MTL joint (2-core CPU rerun)" \
    --label "asp_critic_rev=ASP-MTL critic k=5, reverse" \
    --label "asp_critic_conf=ASP-MTL critic k=5, confusion" \
    --label "sp_watch_unl=SP-MTL + unlabeled text, critic watching" \
    --label "asp_critic_conf_unl=ASP-MTL critic k=5, confusion + unlabeled text" > /dev/null
  { echo; sed 's/^# /## /' "$ADV"; } >> "$OUT"
  rm -f "$ADV"
fi
echo "wrote $OUT"
