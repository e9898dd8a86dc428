"""The recipes' run bookkeeping: a run stopped part-way and started again resumes from its
checkpoint_last.pt; train.sh must keep the earlier part of its log and add up the wall time of
the parts. fairseq-train is replaced by a stub (what it trains is tested elsewhere)."""
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

STUB_TRAIN = """#!/usr/bin/env bash
while [[ $# -gt 0 ]]; do [[ "$1" == --save-dir ]] && D="$2"; shift; done
echo "part $$ valid on 'valid'"
touch "$D/checkpoint_best.pt" "$D/checkpoint_last.pt"
sleep 1
echo "done training in 1.0 seconds"
"""


def _stub_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("fairseq-train", STUB_TRAIN),
                       ("fairseq-mtl-evaluate", "#!/usr/bin/env bash\nexit 0\n")):
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    (bin_dir / "python").symlink_to(sys.executable)
    return bin_dir


@pytest.mark.parametrize("recipe", ["recipes/fdu_mtl/train.sh", "recipes/glue/train.sh"])
def test_a_resumed_run_keeps_its_log_and_adds_up_its_wall_time(tmp_path, recipe):
    run_dir = tmp_path / "run"
    env = dict(os.environ, BIN=str(_stub_bin(tmp_path)), RUN_DIR=str(run_dir),
               FAIRSEQ_MTL_COMMIT="abc1234")

    def train():
        subprocess.run([str(ROOT / recipe), "asp_lstm", "1", "cpu"], env=env, check=True,
                       capture_output=True, cwd=ROOT)
        return (run_dir / "train.log").read_text().splitlines()

    first = train()
    assert len([line for line in first if line.startswith("part ")]) == 1
    log = train()  # checkpoint_last.pt exists: a resume
    assert log[:len(first)] == first
    assert any(line.startswith("#") and "resumed from checkpoint_last.pt, commit abc1234" in line
               for line in log)
    parts = [int(x) for x in (run_dir / "train_seconds.parts").read_text().split()]
    assert len(parts) == 2 and all(p >= 1 for p in parts)
    record = json.loads((run_dir / "run.json").read_text())
    assert record["train_seconds"] == pytest.approx(sum(parts))

    (run_dir / "checkpoint_last.pt").unlink()  # a fresh start in the same directory
    log = train()
    assert [line for line in log if line.startswith("part ")] == log[:1]
    assert len((run_dir / "train_seconds.parts").read_text().split()) == 1


def test_a_run_directory_being_trained_is_not_started_twice(tmp_path):
    """A second start of the same run (a recipe called twice, a duplicate job) while the first
    trains is refused, and leaves the first one's log alone."""
    run_dir = tmp_path / "run"
    env = dict(os.environ, BIN=str(_stub_bin(tmp_path)), RUN_DIR=str(run_dir),
               FAIRSEQ_MTL_COMMIT="abc1234")
    recipe = [str(ROOT / "recipes/fdu_mtl/train.sh"), "asp_lstm", "1", "cpu"]
    first = subprocess.Popen(recipe, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):  # until the first run has started its log
            if (run_dir / "train.log").exists() and (run_dir / "train.log").read_text():
                break
            import time

            time.sleep(0.05)
        second = subprocess.run(recipe, env=env, cwd=ROOT, capture_output=True, text=True)
        assert second.returncode != 0 and "not starting it twice" in second.stderr
        assert "part " in (run_dir / "train.log").read_text()
    finally:
        first.wait(timeout=60)
    assert first.returncode == 0 and not (run_dir / ".training.pid").exists()
