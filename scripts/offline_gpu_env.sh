#!/usr/bin/env bash
# Source this on a machine that already has PyTorch (CUDA) but no network and no venv, e.g. a
# lent GPU box: installs carried wheels (fairseq, hydra, ...) into /tmp/site and puts thin
# wrappers for the console scripts in /tmp/bin. Then: BIN=/tmp/bin recipes/fdu_mtl/train.sh ...
# usage: source scripts/offline_gpu_env.sh WHEEL_DIR
WHEELS="${1:?wheel directory}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$WHEELS"/*.whl
export PYTHONPATH="/tmp/site:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p /tmp/bin
for pair in fairseq-train:fairseq_cli.train fairseq-validate:fairseq_cli.validate \
            fairseq-mtl-evaluate:fairseq_mtl.evaluate fairseq-mtl-prepare:fairseq_mtl.data.prepare; do
  printf '#!/bin/sh\nexec python3 -m %s "$@"\n' "${pair#*:}" > "/tmp/bin/${pair%%:*}"
done
# a wrapper, not a symlink: a symlinked venv python does not find its venv (no torch)
printf '#!/bin/sh\nexec python3 "$@"\n' > /tmp/bin/python
chmod +x /tmp/bin/*
export BIN=/tmp/bin
