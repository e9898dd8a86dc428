"""Two CPU processes (gloo) training together, workers holding different tasks."""
import json
import os
import re
import subprocess

import pytest

from conftest import BIN, ROOT, free_port, run_cli, train_args, two_process_run


def test_two_process_run_logs_the_same_dev_accuracy_as_a_direct_evaluation(data_bin, tmp_path):
    port = free_port()
    procs = []
    for rank in (0, 1):
        args = train_args(data_bin, tmp_path, "asp_lstm", "--max-update", "6",
                          "--distributed-world-size", "2", "--distributed-rank", str(rank),
                          "--distributed-no-spawn", "--distributed-backend", "gloo",
                          "--distributed-init-method", f"tcp://127.0.0.1:{port}",
                          "--ddp-backend", "legacy_ddp", "--cpu")
        cmd = [os.path.join(BIN, args[0])] + [str(a) for a in args[1:]]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, cwd=ROOT))
    logs = [p.communicate(timeout=600)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), logs[0][-3000:]
    # the logged dev average (summed over both workers' shards) ...
    logged = float(re.findall(r"valid on 'valid' subset .*? avg_acc ([0-9.]+)", logs[0])[-1])
    # ... equals a single-process evaluation of the saved weights on the whole dev set
    out = tmp_path / "eval"
    run_cli(["fairseq-mtl-evaluate", tmp_path / "checkpoint_last.pt", "--split", "valid",
             "--out", out])
    direct = json.load(open(str(out) + ".json"))["average"]["accuracy"]
    assert abs(logged - direct) < 0.01, (logged, direct)
    # each worker saw different tasks in the same steps, and per-task losses stay per-task
    losses = [float(x) for x in re.findall(r"alpha/loss[ =]([0-9.]+)", logs[0])]
    assert losses and max(losses) < 1.5


def update_losses(log):
    """The loss of every update (fairseq's train_inner line with --log-interval 1)."""
    return [float(x) for x in re.findall(r"train_inner \| epoch \d+: +\d+ / \d+ loss=([0-9.e+-]+)",
                                         log)]


def weights(path):
    import torch

    return torch.load(path, map_location="cpu")["model"]


def assert_same_weights(a, b, rtol):
    assert a.keys() == b.keys()
    for k in a:
        scale = b[k].abs().max().item() or 1.0
        diff = (a[k] - b[k]).abs().max().item()
        assert diff <= rtol * scale, (k, diff, scale)


@pytest.mark.parametrize("arch", ["asp_lstm", "layerwise_explicit_transformer"])
def test_two_processes_train_like_one_with_the_same_global_batch(data_bin, tmp_path, arch):
    """2 workers x one one-task batch per update (c10d, the default) == 1 process accumulating 2
    batches per update (--update-freq 2): the same losses and, after 10 Adam updates in which
    most tasks' private parameters got no gradient, the same weights (1e-5 relative)."""
    extra = ["--max-update", "10", "--adversarial-weight", "0.05", "--disable-validation"]
    two_log = two_process_run(data_bin, tmp_path / "two", arch, *extra)
    assert "building DDP with --find-unused-parameters" in two_log
    one_log = run_cli(train_args(data_bin, tmp_path / "one", arch, *extra,
                                 "--update-freq", "2"))
    one_log = one_log.stdout + one_log.stderr
    two, one = update_losses(two_log), update_losses(one_log)
    assert len(two) == len(one) == 10
    assert two == pytest.approx(one, rel=1e-5, abs=1e-3)  # logged with 3 decimals
    assert_same_weights(weights(tmp_path / "two" / "checkpoint_last.pt"),
                        weights(tmp_path / "one" / "checkpoint_last.pt"), rtol=1e-5)


def test_a_distributed_run_resumes_where_it_stopped(data_bin, tmp_path):
    """A 2-process run stopped after 6 updates and resumed to 12 ends with the weights of a
    2-process run of 12 updates."""
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    two_process_run(data_bin, straight, "sp_lstm", "--max-update", "12")
    two_process_run(data_bin, resumed, "sp_lstm", "--max-update", "6")
    log = two_process_run(data_bin, resumed, "sp_lstm", "--max-update", "12")
    assert "Loaded checkpoint" in log and "(epoch" in log
    assert_same_weights(weights(straight / "checkpoint_last.pt"),
                        weights(resumed / "checkpoint_last.pt"), rtol=1e-5)
