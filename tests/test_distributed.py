"""Two CPU processes (gloo, legacy_ddp) training together, workers holding different tasks."""
import json
import os
import re
import socket
import subprocess
import sys

from conftest import BIN, ROOT, run_cli, train_args


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
