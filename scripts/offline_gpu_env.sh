#!/usr/bin/env bash
# Source this on a machine that already has PyTorch (CUDA) but no network and no venv, e.g. a
# lent GPU box: puts the carried packages (fairseq, hydra, ...) in /tmp/site, thin wrappers for
# the console scripts in /tmp/bin (BIN), and unpacks carried data and models.
# usage: source scripts/offline_gpu_env.sh KIT
#   KIT: scripts/gpu_kit.sh's folder (site.tar.gz, data-NAME.tar.gz -> data-bin/NAME,
#        model-NAME/ -> PRETRAINED), or a folder of wheels (installed with pip, no index)
# Then: recipes/fdu_mtl/train.sh ..., or scripts/device_runs.sh for a list of runs.
KIT="${1:?the kit folder (scripts/gpu_kit.sh) or a folder of wheels}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -f "$KIT/site.tar.gz" ]]; then
  rm -rf /tmp/site && tar xzf "$KIT/site.tar.gz" -C /tmp
else
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$KIT"/*.whl
fi
export PYTHONPATH="/tmp/site:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
for archive in "$KIT"/data-*.tar.gz; do
  [[ -f "$archive" ]] || continue
  name="$(basename "$archive" .tar.gz)"; name="${name#data-}"
  # a warm machine keeps what an earlier call unpacked
  [[ -f "$ROOT/data-bin/$name/manifest.json" ]] || { mkdir -p "$ROOT/data-bin" && tar xzf "$archive" -C "$ROOT/data-bin"; }
done
for model in "$KIT"/model-*/; do
  [[ -f "$model/config.json" ]] && export PRETRAINED="${model%/}"
done
mkdir -p /tmp/bin
for pair in fairseq-train:fairseq_cli.train fairseq-validate:fairseq_cli.validate \
            fairseq-mtl-evaluate:fairseq_mtl.evaluate fairseq-mtl-prepare:fairseq_mtl.data.prepare; do
  printf '#!/bin/sh\nexec python3 -m %s "$@"\n' "${pair#*:}" > "/tmp/bin/${pair%%:*}"
done
# a wrapper, not a symlink: a symlinked venv python does not find its venv (no torch)
printf '#!/bin/sh\nexec python3 "$@"\n' > /tmp/bin/python
chmod +x /tmp/bin/*
export BIN=/tmp/bin
