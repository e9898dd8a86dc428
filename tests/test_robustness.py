"""Training survives what happens to long runs: SIGKILL mid-epoch, a diverging loss, a failing
disk."""
import errno
import glob
import os
import re
import resource
import shutil
import signal
import subprocess
import time

import pytest
import torch

from conftest import BIN, ROOT, run_cli, train_args
from test_checkpoint import assert_same, params

KILL_ARGS = ["--max-epoch", "4", "--save-interval-updates", "7", "--keep-interval-updates", "1",
             "--no-epoch-checkpoints", "--unlabeled"]


def last_valid_line(log: str) -> str:
    lines = [line for line in log.splitlines() if "valid on 'valid' subset" in line]
    # drop the throughput fields, which differ between runs
    return re.sub(r"\| (wps|wpb|bsz|wall|train_wall) [0-9.]+ ", "", lines[-1].split("| valid |")[1])


def test_sigkill_mid_epoch_then_resume_gives_the_uninterrupted_result(data_bin, tmp_path):
    """A run killed with SIGKILL (at whatever point it is, a checkpoint write included) and
    restarted with the same command ends with the same weights and dev metrics as a run never
    interrupted."""
    straight = tmp_path / "straight"
    proc = run_cli(train_args(data_bin, straight, "asp_lstm", *KILL_ARGS))
    expected = last_valid_line(proc.stdout + proc.stderr)

    killed = tmp_path / "killed"
    cmd = [os.path.join(BIN, a) if i == 0 else str(a)
           for i, a in enumerate(train_args(data_bin, killed, "asp_lstm", *KILL_ARGS))]
    victim = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=ROOT)
    deadline = time.time() + 300
    # wait for a mid-epoch checkpoint of the second epoch or later (29 updates per epoch)
    while not any(int(m) > 36 for f in glob.glob(str(killed / "checkpoint_*_*.pt"))
                  for m in re.findall(r"_(\d+)\.pt$", f)):
        assert victim.poll() is None, "the run ended before it could be killed"
        assert time.time() < deadline
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    proc = run_cli(train_args(data_bin, killed, "asp_lstm", *KILL_ARGS))
    log = proc.stdout + proc.stderr
    assert "Loaded checkpoint" in log and "checkpoint_last.pt" in log
    assert last_valid_line(log) == expected
    assert_same(params(straight / "checkpoint_last.pt"), params(killed / "checkpoint_last.pt"))


def test_a_diverging_loss_stops_naming_task_and_update(data_bin, tmp_path):
    # Adam moves every weight by ~lr: with lr 1e38 (float32 ends at 3.4e38) the second
    # batch's logits overflow whatever the batch (1e30 overflowed only on some batch orders)
    proc = run_cli(train_args(data_bin, tmp_path, "asp_lstm", "--max-update", "20",
                              "--lr", "1e38"), check=False)
    assert proc.returncode != 0
    assert re.search(r"non-finite training loss \((nan|inf)\) on task '(alpha|beta|gamma)' at "
                     r"update 2: stopping before the weights change", proc.stderr)


def _limit_file_size(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_failing_checkpoint_write_keeps_the_previous_checkpoint_last(data_bin, tmp_path):
    """The second epoch's checkpoint cannot be written (a file-size limit: every write past it
    fails with EFBIG, as a full disk fails with ENOSPC); training stops with an error and the
    first epoch's checkpoint_last.pt is intact."""
    args = ["--no-epoch-checkpoints", "--max-epoch"]
    run_cli(train_args(data_bin, tmp_path, "sp_lstm", *args, "1"))
    before = (tmp_path / "checkpoint_last.pt").read_bytes()
    cmd = [os.path.join(BIN, a) if i == 0 else str(a)
           for i, a in enumerate(train_args(data_bin, tmp_path, "sp_lstm", *args, "2"))]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600,
                          preexec_fn=_limit_file_size(len(before) // 2))
    assert proc.returncode != 0 and "File too large" in proc.stderr
    assert (tmp_path / "checkpoint_last.pt").read_bytes() == before
    torch.load(tmp_path / "checkpoint_last.pt")  # and it loads


def test_checkpoint_copies_are_atomic(tmp_path, monkeypatch):
    """fairseq copies checkpoint_best.pt over checkpoint_last.pt; a copy failing half-way (disk
    full) must leave the old file whole."""
    import user_dir  # noqa: F401  (installs the atomic copy)
    from fairseq.file_io import PathManager

    src, dst = tmp_path / "checkpoint_best.pt", tmp_path / "checkpoint_last.pt"
    src.write_bytes(b"new" * 1000)
    dst.write_bytes(b"old checkpoint")

    def copy_half_then_fail(a, b):
        with open(a, "rb") as f, open(b, "wb") as g:
            g.write(f.read(100))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", copy_half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        PathManager.copy(str(src), str(dst), overwrite=True)
    assert dst.read_bytes() == b"old checkpoint"
    assert sorted(os.listdir(tmp_path)) == ["checkpoint_best.pt", "checkpoint_last.pt"]
    monkeypatch.undo()
    assert PathManager.copy(str(src), str(dst), overwrite=True)
    assert dst.read_bytes() == src.read_bytes()
