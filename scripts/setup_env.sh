#!/usr/bin/env bash
# Create (or refresh) the project's local virtual environment in .venv.
#
# Order matters:
#   1. torch==2.13.0 first: pip takes the CPU wheel from this machine's disk. A bare `torch`
#      requirement would make pip download a multi-GB CUDA build.
#   2. fairseq with --no-deps: every fairseq distribution requires torchaudio, which has no
#      release for current torch. ve-fairseq ships prebuilt cp311/cp312 wheels; the official
#      fairseq==0.12.2 sdist does not build on Python 3.11.
#   3. fairseq's real runtime dependencies and ours (requirements.txt), then this project.
# Re-running is cheap: a stamp file records what was installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FAIRSEQ_MTL_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="${FAIRSEQ_MTL_TORCH:-torch==2.13.0}"
FAIRSEQ_SPEC="${FAIRSEQ_MTL_FAIRSEQ:-ve-fairseq==0.12.3}"

stamp_input() {
  cat "$ROOT/requirements.txt" "$ROOT/setup.py" "$ROOT/scripts/setup_env.sh"
  echo "$TORCH_SPEC $FAIRSEQ_SPEC"
}

if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.fairseq-mtl-stamp"
WANT="$(stamp_input | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  exit 0
fi

PIP=("$VENV/bin/python" -m pip -q --disable-pip-version-check)
"${PIP[@]}" install "$TORCH_SPEC"
"${PIP[@]}" install --no-deps "$FAIRSEQ_SPEC"
# transformers: test-only, the reference the pretrained encoders are checked against
"${PIP[@]}" install -r "$ROOT/requirements.txt" pytest pytest-xdist "transformers>=4.40,<6" ruff
"${PIP[@]}" install --no-deps --no-build-isolation -e "$ROOT"
echo "$WANT" > "$STAMP"
