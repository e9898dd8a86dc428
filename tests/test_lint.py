"""The linter's configuration (ruff.toml) passes on the whole checkout: import order,
pyflakes and pycodestyle, lines of at most 100 characters."""
import os
import subprocess

import pytest

from conftest import BIN, ROOT

pytestmark = pytest.mark.fast


def test_ruff_passes():
    ruff = os.path.join(BIN, "ruff")
    assert os.path.isfile(ruff), f"{ruff} missing: scripts/setup_env.sh installs it (make venv)"
    proc = subprocess.run([ruff, "check", "--no-cache", "--output-format", "concise", ROOT],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
