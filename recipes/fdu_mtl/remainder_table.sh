#!/usr/bin/env bash
# thesis_results/remainder_rerun.md: FS-MTL (cpu profile) and L-I (tf_cpu profile), 3 seeds each,
# trained with each task's last batch dropped (the code before commit c337fdf) and with every
# example (after it), on the same 2-core machine, one thread per run; from the stored records.
# usage: recipes/fdu_mtl/remainder_table.sh
#   The runs: recipes/fdu_mtl/train.sh ARCH SEED PROFILE with RUN_DIR=runs/fdu_mtl/PROFILE-alldata/...
#   (this code) and the same from a checkout of 128fcd7 with RUN_DIR=.../PROFILE-dropped/...;
#   their *.json records are copied to thesis_results/runs/{cpu,tf_cpu}-{dropped,alldata}/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
PY="${BIN:-$ROOT/.venv/bin}/python"
RUNS="$ROOT/thesis_results/runs"
OUT="$ROOT/thesis_results/remainder_rerun.md"
PARTS=()
for spec in "cpu fs_lstm lstm" "tf_cpu layerwise_implicit_transformer transformer"; do
  read -r PROFILE ARCH FAMILY <<< "$spec"
  PART="$(mktemp)"; PARTS+=("$PART")
  "$PY" -m fairseq_mtl_tools.compare_runs --family "$FAMILY" --arch "$ARCH" \
    --before "$RUNS/$PROFILE-dropped" --after "$RUNS/$PROFILE-alldata" \
    --before-label "last batch dropped" --after-label "every example" \
    --title "$ARCH, profile $PROFILE" --out "$PART" > /dev/null
done
{ cat "$ROOT/thesis_results/notes/remainder_rerun.md"; echo
  for PART in "${PARTS[@]}"; do sed '1s/^# /## /' "$PART"; echo; done; } > "$OUT"
rm -f "${PARTS[@]}"
echo "wrote $OUT"
