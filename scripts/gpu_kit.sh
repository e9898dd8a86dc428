#!/usr/bin/env bash
# Pack what a lent GPU machine lacks into .device-carry/ (ignored by git; name it in the device
# run's carry). That machine has CPython 3.12 with PyTorch (CUDA), transformers and most of
# fairseq's needs, but no package registry and none of this project's data or checkpoints.
# usage: scripts/gpu_kit.sh [--model DIR] [DATA_DIR...]
#   scripts/gpu_kit.sh data-bin/fdu-mtl                        the thesis and paper profiles
#   scripts/gpu_kit.sh --model pretrained/all-MiniLM-L6-v2 data-bin/glue-minilm   minilm_gpu
# Writes into .device-carry/ (KIT_DIR):
#   site.tar.gz         fairseq 0.12.3 built for CPython 3.12 (ve-fairseq, without what nothing
#                       here imports: examples/ and three extensions), hydra-core, omegaconf,
#                       the antlr4 runtime, bitarray, tensorboardX: what the GPU image lacks
#   data-NAME.tar.gz    one per prepared data directory (data-bin/NAME)
#   model-NAME/         config, tokenizer and the weights as fp16 safetensors (half the size;
#                       the encoder loads them as float32: the weights are rounded to fp16, which
#                       the results must say)
# and prints the total beside the tracked tree: the device tool carries 64 MiB in all.
# On the machine: source scripts/offline_gpu_env.sh .device-carry, then scripts/device_runs.sh.
# Needs a package index here (pip download) the first time; the wheels are kept in WHEELS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/recipes/lib.sh"
recipe_args "$@"; set -- "${ARGS[@]}"
BIN="${BIN:-$ROOT/.venv/bin}"
KIT="${KIT_DIR:-$ROOT/.device-carry}"
WHEELS="${WHEELS:-$ROOT/.whl/cp312}"
LIMIT_MIB=64
# the versions this project's venv runs (requirements.txt), as CPython 3.12 manylinux wheels
PINS=(ve-fairseq==0.12.3 hydra-core==1.3.8 omegaconf==2.3.1 bitarray==3.12.3 tensorboardX==2.6.5)
PLATFORMS=(--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64
           --platform manylinux2014_x86_64)
MODEL=""
if [[ "${1:-}" == --model ]]; then MODEL="${2:?--model needs a directory}"; shift 2; fi
for d in "$@"; do
  [[ -f "$d/manifest.json" ]] || { echo "$d: not a prepared data directory (no manifest.json)" >&2; exit 2; }
done
mkdir -p "$KIT" "$WHEELS"

# 1. the packages, installed for 3.12 into a folder and packed (no install step on the machine)
have() { compgen -G "$WHEELS/$1" > /dev/null; }
have 've_fairseq-0.12.3-cp312-*.whl' && have 'hydra_core-*.whl' && have 'omegaconf-*.whl' \
  && have 'bitarray-*cp312*.whl' && have 'tensorboardx-*.whl' || \
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp "${PLATFORMS[@]}" -d "$WHEELS" "${PINS[@]}"
# hydra's antlr4 runtime 4.9.3 is published as source only: a pure-Python wheel built here
have 'antlr4_python3_runtime-4.9.3-*.whl' || \
  python3 -m pip wheel -q --no-deps -w "$WHEELS" antlr4-python3-runtime==4.9.3
SITE="$(mktemp -d)"
trap 'rm -rf "$SITE"' EXIT
python3 -m pip install -q --no-deps --no-compile --only-binary=:all: --python-version 3.12 \
  --implementation cp "${PLATFORMS[@]}" --target "$SITE/site" "$WHEELS"/*.whl
# left out, imported by nothing this project runs: fairseq's examples/ and the extensions of BASE
# layers (libbase), non-autoregressive models (libnat) and alignment training (18 MB in all)
rm -rf "$SITE/site/fairseq/examples" "$SITE"/site/fairseq/libbase.* "$SITE"/site/fairseq/libnat.* \
  "$SITE"/site/alignment_train_cpu_binding.*
tar czf "$KIT/site.tar.gz" -C "$SITE" site

# 2. the prepared data, one archive per directory
for d in "$@"; do
  tar czf "$KIT/data-$(basename "$d").tar.gz" -C "$(dirname "$d")" "$(basename "$d")"
done

# 3. a pretrained model, its weights as fp16
if [[ -n "$MODEL" ]]; then
  DEST="$KIT/model-$(basename "$MODEL")"
  rm -rf "$DEST"
  "$BIN/python" -m fairseq_mtl_tools.half "$MODEL" "$DEST"
fi

# 4. what it sums to: the kit plus the tree that travels with it (tracked files)
kit_bytes=$(du -sb "$KIT" | cut -f1)
tree_bytes=$(cd "$ROOT" && git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
total_mib=$(( (kit_bytes + tree_bytes) / 1048576 ))
du -sh "$KIT"/* | sed 's|'"$KIT"'/|  |'
echo "kit $(( kit_bytes / 1048576 )) MiB + tracked tree $(( tree_bytes / 1048576 )) MiB = $total_mib MiB (the device tool carries $LIMIT_MIB)"
if (( total_mib >= LIMIT_MIB )); then
  echo "too large for one call: pack fewer data directories (a warm machine keeps what an earlier call unpacked)" >&2
  exit 1
fi
