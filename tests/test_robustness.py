"""Training survives what happens to long runs: SIGKILL mid-epoch, a diverging loss, a failing
disk."""
import errno
import glob
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import time

import pytest
import torch

from conftest import BIN, ROOT, assert_same, params, run_cli, train_args

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
    assert "Traceback" not in proc.stderr  # one line, at once (fairseq retried twice)
    assert re.search(r"error: \S+checkpoint\w*\.pt: cannot write checkpoint \(File too large\); "
                     r"the checkpoints written before it are intact", proc.stderr)
    assert (tmp_path / "checkpoint_last.pt").read_bytes() == before
    assert not glob.glob(str(tmp_path / "*.tmp"))  # no stray temporary file
    torch.load(tmp_path / "checkpoint_last.pt")  # and it loads


def test_checkpoint_copies_are_atomic(tmp_path, monkeypatch):
    """fairseq copies checkpoint_best.pt over checkpoint_last.pt; a copy failing half-way (disk
    full) must leave the old file whole."""
    from fairseq.file_io import PathManager

    import user_dir  # noqa: F401  (installs the atomic copy)

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


def _popen(args, cwd=ROOT):
    cmd = [os.path.join(BIN, a) if i == 0 else str(a) for i, a in enumerate(args)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=cwd)


def test_a_second_run_into_a_busy_save_dir_stops_naming_the_first(data_bin, tmp_path):
    """Two runs, one --save-dir: the second stops at once with one line naming the first
    (which trains on untouched); a lock left by a process that died is taken over."""
    from fairseq_mtl_plugin.save_dir import LOCK_NAME

    first = _popen(train_args(data_bin, tmp_path, "sp_lstm", "--max-epoch", "200"))
    lock = tmp_path / LOCK_NAME
    deadline = time.time() + 120
    while not (lock.exists() and f"process {first.pid} " in lock.read_text()):
        assert first.poll() is None, first.stderr.read()
        assert time.time() < deadline
        time.sleep(0.05)
    second = run_cli(train_args(data_bin, tmp_path, "sp_lstm", "--max-update", "2",
                                "--seed", "4"), check=False)
    assert first.poll() is None  # untouched
    first.kill()
    first.wait()
    assert second.returncode != 0 and "Traceback" not in second.stderr
    assert (f"error: --save-dir {tmp_path} is in use by another run (process {first.pid} on "
            in second.stderr)
    assert "give this run its own --save-dir" in second.stderr
    # the first run was killed: its lock is stale, and the next run takes it over
    proc = run_cli(train_args(data_bin, tmp_path, "sp_lstm", "--max-update", "2",
                              "--restore-file", "none.pt"))
    assert f"took over the lock of an earlier run that is no longer running (process " \
           f"{first.pid} " in proc.stdout + proc.stderr
    assert not glob.glob(str(tmp_path / "*.tmp"))
    # that run ended normally: the resume after it is not told of a dead run
    resumed = run_cli(train_args(data_bin, tmp_path, "sp_lstm", "--max-update", "3"))
    assert "took over the lock" not in resumed.stdout + resumed.stderr


LOCK_THEN_FORK_THEN_DIE = """
import os, sys, time
from fairseq_mtl_plugin.save_dir import lock_save_dir
lock_save_dir(sys.argv[1])
child = os.fork()
if child == 0:  # a data-loader worker, say: it outlives the run by a few seconds
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1), os.dup2(null, 2)  # (the test reads the parent's output to its end)
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
os.kill(os.getpid(), 9)
"""

TAKE_LOCK = """
import logging, sys
logging.basicConfig(level=logging.INFO)
from fairseq_mtl_plugin.save_dir import lock_save_dir
lock_save_dir(sys.argv[1])
"""


def test_what_a_killed_run_forked_does_not_hold_its_lock(tmp_path):
    """A run killed with kill -9 leaves the processes it forked (data-loader workers) alive for
    a moment; they share its open lock file, and must not keep its immediate resume out."""
    python = os.path.join(BIN, "python")
    dead = subprocess.run([python, "-c", LOCK_THEN_FORK_THEN_DIE, str(tmp_path)],
                          capture_output=True, text=True)
    assert dead.returncode == -9, dead.stderr
    child = int(dead.stdout.split()[0])
    try:
        os.kill(child, 0)  # still alive, holding a copy of the lock file's descriptor
        proc = subprocess.run([python, "-c", TAKE_LOCK, str(tmp_path)], capture_output=True,
                              text=True)
        assert proc.returncode == 0, proc.stderr
        assert "took over the lock of an earlier run that is no longer running" in proc.stderr
    finally:
        os.kill(child, 9)


@pytest.mark.fast
def test_a_lock_held_after_its_run_ended_says_so(tmp_path):
    """The refusal names a holder that has ended (what it left running holds the lock)."""
    from fairseq_mtl_plugin.save_dir import _ended_note

    host = socket.gethostname()
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert "that process has ended" in _ended_note(f"process {gone.pid} on {host}, started x")
    assert _ended_note(f"process {os.getpid()} on {host}, started x") == ""
    assert _ended_note(f"process {gone.pid} on another-host, started x") == ""


def test_no_save_reads_and_writes_nothing(data_bin, tmp_path):
    """--no-save: no ./checkpoints is made, and a checkpoint_last.pt found there is not resumed."""
    work = tmp_path / "work"
    work.mkdir()
    args = [a for a in train_args(data_bin, "unused", "sp_lstm", "--max-update", "3",
                                  "--no-save")]
    i = args.index("--save-dir")
    args = args[:i] + args[i + 2:]  # fairseq's default, ./checkpoints
    cmd = [os.path.join(BIN, args[0])] + [str(a) for a in args[1:]]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert os.listdir(work) == []
    # another run's checkpoint where --no-save would have looked
    run_cli(train_args(data_bin, work / "checkpoints", "sp_lstm", "--max-update", "5"))
    before = sorted(os.listdir(work / "checkpoints"))
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = proc.stdout + proc.stderr
    assert "Loaded checkpoint" not in log and "num_updates 3" in log
    assert sorted(os.listdir(work / "checkpoints")) == before


def test_a_save_dir_that_cannot_be_made_is_one_line(data_bin, tmp_path):
    (tmp_path / "file").write_text("x")
    proc = run_cli(train_args(data_bin, tmp_path / "file" / "ck", "sp_lstm", "--max-update",
                              "1"), check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"error: --save-dir {tmp_path / 'file' / 'ck'}: cannot create it (Not a directory)" \
        in proc.stderr


def test_a_read_only_save_dir_is_one_line(tmp_path, monkeypatch):
    """(A read-only file system, or a directory the user cannot write: simulated, as the tests
    run as root.)"""
    import fairseq_mtl_plugin.save_dir as save_dir

    def read_only(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", path)

    monkeypatch.setattr(save_dir.os, "open", read_only)
    with pytest.raises(save_dir.SaveDirError) as caught:
        save_dir.verify_checkpoint_directory(str(tmp_path))
    assert str(caught.value) == f"--save-dir {tmp_path}: cannot write there (Read-only file system)"
