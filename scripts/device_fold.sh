#!/usr/bin/env bash
# Fold the records a GPU machine brought back (scripts/device_runs.sh's records.tar.gz) into
# this checkout: each FINISHED run (run.json) goes where the recipes keep it
# (runs/BENCH/PROFILE/ARCH/seedN), its *.json records into thesis_results/runs/, and the FDU-MTL
# tables are rebuilt (recipes/fdu_mtl/make_tables.sh PROFILE). Runs cut at a deadline are not
# results: they are listed and left out (their logs stay in the archive). A run already
# finished here is never overwritten.
# usage: scripts/device_fold.sh RECORDS.tar.gz
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
[[ $# -eq 1 ]] || recipe_usage 2
ARCHIVE="$1"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
tar xzf "$ARCHIVE" -C "$TMP"
declare -A FDU_PROFILES=() GLUE=()
folded=0
while IFS= read -r -d '' dir; do
  rel="${dir#"$TMP"/}"; rel="${rel#./}"          # BENCH/PROFILE/ARCH/seedN
  IFS=/ read -r bench profile arch seed <<< "$rel"
  if [[ ! -f "$dir/run.json" ]]; then echo "not folded (did not finish): $rel"; continue; fi
  dest="$ROOT/runs/$rel"
  if [[ -f "$dest/run.json" ]]; then echo "not folded (already finished here): $rel"; continue; fi
  mkdir -p "$dest"; cp -r "$dir"/. "$dest"/
  case "$bench" in
    fdu_mtl) table="$profile"; FDU_PROFILES[$profile]=1 ;;
    *) table="${bench}_$profile"; GLUE[$bench $profile]=1 ;;
  esac
  (cd "$dir" && find . -name '*.json' | while read -r f; do
     mkdir -p "$ROOT/thesis_results/runs/$table/$arch/$seed/$(dirname "$f")"
     cp "$f" "$ROOT/thesis_results/runs/$table/$arch/$seed/$f"; done)
  echo "folded $rel"; folded=$(( folded + 1 ))
done < <(find "$TMP" -mindepth 4 -maxdepth 4 -type d -name 'seed*' -print0 | sort -z)
echo "$folded runs folded"
for profile in "${!FDU_PROFILES[@]}"; do "$ROOT/recipes/fdu_mtl/make_tables.sh" "$profile"; done
for key in "${!GLUE[@]}"; do
  read -r bench profile <<< "$key"
  if [[ "$bench" == glue ]]; then
    echo "GLUE table: recipes/glue/run_all.sh $profile SEEDS (trains what is missing, then the table)"
  else
    echo "GLUE table: REFERENCE=0 ARCHS=' ' recipes/glue/run_pretrained.sh $profile SEEDS"
  fi
done
