"""Nothing lost: every example is trained once per epoch and scored once per dev pass.

fairseq's ``batch_by_size`` drops each task's last batch when its size is not a multiple of
``--required-batch-size-multiple`` (default 8). The data here has task sizes that are multiples
of neither the batch size nor 8, in both data formats, and the counts of what training and
validation saw (the logged ``{task}/n``) must equal the data's.
"""
import json
import os
import re
import socket
import subprocess

import numpy as np
import pytest
import torch

from conftest import BIN, ROOT, USER_DIR, run_cli, run_main, train_args, write_glue, write_raw_task
from fairseq_mtl.data.prepare import cli_main as prepare

#: train lines per task (the last DEV of them are dev): sizes that 8 and 10 do not divide
ODD_TASKS = {"alpha": ("a", 61), "beta": ("b", 45), "gamma": ("g", 30)}
DEV = 7


@pytest.fixture(scope="module")
def odd_fdu(tmp_path_factory):
    raw = tmp_path_factory.mktemp("odd-raw")
    for name, (prefix, n) in ODD_TASKS.items():
        write_raw_task(str(raw), name, prefix, n, n_test=13)
    out = tmp_path_factory.mktemp("odd-bin")
    run_main(prepare, ["fdu-mtl", "--raw-dir", raw, "--out", out, "--embeddings", "none",
                       "--dev-size", DEV])
    return str(out)


@pytest.fixture(scope="module")
def odd_glue(tmp_path_factory):
    raw = write_glue(tmp_path_factory.mktemp("odd-glue-raw") / "glue", n=15)  # dev: 7 rows
    out = tmp_path_factory.mktemp("odd-glue-bin")
    run_main(prepare, ["glue", "--raw-dir", raw, "--out", out, "--tokenizer", "words",
                       "--tasks", "CoLA,MRPC,STS-B,RTE,MNLI"])
    return str(out)


def sizes(data, split):
    manifest = json.load(open(os.path.join(data, "manifest.json")))
    return {t["name"]: t["splits"][split] for t in manifest["tasks"]}


def stats_line(log, tag):
    """The last `| key value |` stats line of fairseq's epoch summary (`train`) or of a dev pass
    (`valid`), as a dict."""
    if tag == "train":
        lines = [line for line in log.splitlines() if "| INFO | train | epoch" in line]
    else:
        lines = [line for line in log.splitlines() if "valid on 'valid' subset" in line]
    assert lines, log[-3000:]
    fields = lines[-1].split(" | ")
    return {f.rsplit(" ", 1)[0]: f.rsplit(" ", 1)[1] for f in fields if " " in f.strip()}


def counts(stats, tasks):
    return {t: int(float(stats[f"{t}/n"])) for t in tasks}


# --- the batches themselves ----------------------------------------------------------------
def _dataset(task_sizes, lengths_seed=0):
    from fairseq_mtl.data.dataset import MultiTaskDataset, TaskDataset

    class Tokens:
        def __init__(self, n, rng):
            self.sizes = rng.randint(1, 30, size=n)

        def __getitem__(self, i):
            return torch.ones(int(self.sizes[i]), dtype=torch.long)

    rng = np.random.RandomState(lengths_seed)
    parts = [TaskDataset(Tokens(n, rng), np.zeros(n, dtype=np.int64)) for n in task_sizes]
    return MultiTaskDataset([f"t{k}" for k in range(len(task_sizes))], parts, pad=1)


def test_fairseq_batch_by_size_drops_a_remainder_that_is_not_a_multiple():
    """The trap this file is about, as fairseq 0.12 has it (if this fails, fairseq changed)."""
    from fairseq.data import data_utils

    indices = np.arange(13)
    batches = data_utils.batch_by_size(indices, lambda i: 1, max_sentences=10,
                                       required_batch_size_multiple=8)
    assert sum(len(b) for b in batches) == 8  # 5 of 13 lost


@pytest.mark.parametrize("max_sentences,max_tokens,multiple", [
    (10, None, 8), (4, None, 8), (7, None, 1), (None, 50, 8), (16, 90, 8)])
@pytest.mark.parametrize("training", [True, False])
def test_each_task_is_cut_into_batches_that_hold_every_example_once(
        max_sentences, max_tokens, multiple, training):
    dataset = _dataset([13, 21, 7, 1])
    for k in range(4):
        rng = np.random.RandomState(k) if training else None
        batches = dataset.task_batches(k, rng, max_tokens, max_sentences, multiple)
        flat = np.sort(np.concatenate(batches))
        assert flat.tolist() == dataset.task_indices(k).tolist()
        assert all(len(b) <= (max_sentences or 10 ** 9) for b in batches)
        if max_tokens:
            assert all(len(b) * dataset.sizes[b].max() <= max_tokens for b in batches)


@pytest.mark.fast
@pytest.mark.parametrize("max_sentences,multiple", [(32, 8), (10, 8), (7, 1), (16, 4)])
def test_the_counted_updates_are_the_batches_training_cuts(max_sentences, multiple):
    """What the recipes give a linear decay as --total-num-update (batch_count, behind
    ``python -m fairseq_mtl.data.manifest updates``) is the number of batches an epoch has:
    3,668 in batches of 32 are 116 (114 x 32, fairseq's 16 and the 4 it dropped), not 115."""
    from fairseq_mtl.data.dataset import batch_count

    sizes = [3668, 5749, 8551, 635, 13, 1, 32]
    dataset = _dataset(sizes)
    for k, n in enumerate(sizes):
        for rng in (np.random.RandomState(k), None):
            batches = dataset.task_batches(k, rng, None, max_sentences, multiple)
            assert batch_count(n, max_sentences, multiple) == len(batches), (n, max_sentences)
    assert batch_count(3668, 32) == 116 and batch_count(0, 32) == 0


def test_an_example_longer_than_max_tokens_names_the_task_and_example():
    dataset = _dataset([5, 6])
    dataset.labeled[1].sizes[4] = 500
    dataset.sizes = np.concatenate([d.sizes for d in dataset.labeled])
    with pytest.raises(ValueError, match=r"task 't1', example 4 .* 500 tokens, more than "
                                         r"--max-tokens 100"):
        dataset.task_batches(1, None, 100, None, 8)


def test_a_partial_epoch_is_refused():
    from fairseq_mtl.data.dataset import check_partition

    with pytest.raises(RuntimeError, match="3 examples, the data 4 .*1 missing"):
        check_partition([np.array([0, 1]), np.array([3])], np.arange(4), "epoch 1")
    with pytest.raises(RuntimeError, match="refusing"):
        check_partition([np.array([0, 1]), np.array([1, 2])], np.arange(3), "epoch 1")


# --- what training and validation see ------------------------------------------------------
FAMILIES = ["asp_lstm", "layerwise_explicit_transformer", "stack_pool_transformer", "mt_cnn"]


@pytest.mark.parametrize("arch", FAMILIES)
@pytest.mark.parametrize("data_format", ["fdu-mtl", "glue"])
def test_one_epoch_trains_and_validates_every_example(arch, data_format, odd_fdu, odd_glue,
                                                      tmp_path):
    data = odd_fdu if data_format == "fdu-mtl" else odd_glue
    proc = run_cli(train_args(data, tmp_path, arch, "--max-epoch", "1", "--batch-size", "10"))
    log = proc.stdout + proc.stderr
    train, dev = sizes(data, "train"), sizes(data, "valid")
    assert counts(stats_line(log, "train"), train) == train
    assert counts(stats_line(log, "valid"), dev) == dev
    # and the batch size fairseq really used is said
    assert "--batch-size 10 with --required-batch-size-multiple 8" in log


def test_unlabeled_sentences_do_not_change_what_is_trained(odd_fdu, tmp_path):
    proc = run_cli(train_args(odd_fdu, tmp_path, "asp_lstm", "--max-epoch", "1",
                              "--batch-size", "10", "--unlabeled"))
    train = sizes(odd_fdu, "train")
    assert counts(stats_line(proc.stdout + proc.stderr, "train"), train) == train


def test_in_training_dev_scores_equal_evaluation_of_the_same_checkpoint(odd_glue, tmp_path):
    """The dev metrics logged by fairseq-train (which pick checkpoint_best) are those that
    fairseq-mtl-evaluate computes from the saved weights, on every dev example."""
    proc = run_cli(train_args(odd_glue, tmp_path, "sp_lstm", "--max-epoch", "2",
                              "--batch-size", "10", "--best-checkpoint-metric", "avg_score"))
    logged = stats_line(proc.stdout + proc.stderr, "valid")
    run_cli(["fairseq-mtl-evaluate", tmp_path / "checkpoint_last.pt", "--split", "valid",
             "--out", tmp_path / "dev"])
    rows = {r["task"]: r for r in json.load(open(tmp_path / "dev.json"))["tasks"]}
    for task, metric in (("CoLA", "mcc"), ("CoLA", "acc"), ("MRPC", "f1"), ("MRPC", "acc"),
                         ("STS-B", "pearson"), ("RTE", "acc"), ("MNLI", "acc")):
        mine = rows[task]["accuracy" if metric == "acc" else metric]
        assert float(logged[f"{task}/{metric}"]) == pytest.approx(mine, abs=0.011), (task, metric)
    assert all(rows[t]["n"] == DEV for t in ("CoLA", "MRPC", "STS-B", "RTE", "MNLI"))


def test_fairseq_validate_scores_every_example(odd_fdu, tmp_path):
    run_cli(train_args(odd_fdu, tmp_path, "fs_lstm", "--max-update", "3"))
    proc = run_cli(["fairseq-validate", odd_fdu, "--user-dir", USER_DIR,
                    "--task", "multitask_classification", "--path",
                    tmp_path / "checkpoint_last.pt", "--valid-subset", "test",
                    "--batch-size", "10"])
    line = [x for x in (proc.stdout + proc.stderr).splitlines() if "valid on 'test'" in x][-1]
    for task in ODD_TASKS:
        assert f"| {task}/n 13 |" in line


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_workers(args):
    port = _free_port()
    procs = []
    for rank in (0, 1):
        full = args + ["--distributed-world-size", "2", "--distributed-rank", str(rank),
                       "--distributed-no-spawn", "--distributed-backend", "gloo",
                       "--distributed-init-method", f"tcp://127.0.0.1:{port}", "--cpu"]
        cmd = [os.path.join(BIN, full[0])] + [str(a) for a in full[1:]]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, cwd=ROOT))
    logs = [p.communicate(timeout=600)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), logs[0][-3000:] + logs[1][-3000:]
    return logs[0]


@pytest.mark.parametrize("ddp_backend", ["legacy_ddp", "c10d"])
def test_two_workers_train_and_validate_every_example_once(odd_fdu, tmp_path, ddp_backend):
    """An odd number of batches: one worker gets an empty padding batch in training and in
    validation; the counts summed over both workers are the data's, each example once."""
    log = _two_workers(train_args(odd_fdu, tmp_path, "asp_lstm", "--max-epoch", "1",
                                  "--batch-size", "10", "--ddp-backend", ddp_backend))
    train, dev = sizes(odd_fdu, "train"), sizes(odd_fdu, "valid")
    assert counts(stats_line(log, "train"), train) == train
    assert counts(stats_line(log, "valid"), dev) == dev


def test_validation_shards_with_a_padding_batch_add_up_to_every_example(odd_fdu, tmp_path):
    """fairseq-validate's data-parallel loop (its gather needs CUDA, so it is replayed here):
    each worker validates its shard, the shorter shard ends with an empty batch that reaches
    the task's valid_step, and the gathered logging outputs count every dev example once."""
    from fairseq import metrics

    from fairseq_mtl.checkpoint import load_checkpoint

    run_cli(train_args(odd_fdu, tmp_path, "fs_lstm", "--max-update", "3"))
    model, task, cfg = load_checkpoint(str(tmp_path / "checkpoint_last.pt"))
    criterion = task.build_criterion(cfg.criterion)
    task.load_dataset("valid")
    outputs, empty = [], 0
    for shard in (0, 1):
        itr = task.get_batch_iterator(task.dataset("valid"), max_sentences=10,
                                      required_batch_size_multiple=8, num_shards=2,
                                      shard_id=shard, disable_iterator_cache=True)
        for sample in itr.next_epoch_itr(shuffle=False):
            empty += not sample
            outputs.append(task.valid_step(sample, model, criterion)[2])
    assert empty == 1  # 3 tasks x 1 batch of 7: one worker gets 2 batches, the other 1 + pad
    with metrics.aggregate() as agg:
        task.reduce_metrics([outputs[-1]] + outputs[:-1], criterion)  # the empty one first
        values = agg.get_smoothed_values()
    assert {t: values[f"{t}/n"] for t in ODD_TASKS} == {t: DEV for t in ODD_TASKS}
    run_cli(["fairseq-mtl-evaluate", tmp_path / "checkpoint_last.pt", "--split", "valid",
             "--out", tmp_path / "dev"])
    direct = json.load(open(tmp_path / "dev.json"))["average"]["accuracy"]
    assert values["avg_acc"] == pytest.approx(direct, abs=0.01)


def test_skip_remainder_batch_is_refused(odd_fdu, tmp_path):
    proc = run_cli(train_args(odd_fdu, tmp_path, "fs_lstm", "--max-epoch", "1",
                              "--skip-remainder-batch"), check=False)
    assert proc.returncode != 0
    assert "--skip-remainder-batch drops the last batch" in proc.stdout + proc.stderr


# --- checkpoints that cannot be read: one line, no traceback ----------------------------------
class _Exploit:
    def __reduce__(self):
        return (os.system, ("true",))


@pytest.mark.parametrize("kind", ["truncated", "pickle"])
def test_resume_from_an_unreadable_checkpoint_is_one_line(odd_fdu, tmp_path, kind):
    run_cli(train_args(odd_fdu, tmp_path, "fs_lstm", "--max-update", "2"))
    last = tmp_path / "checkpoint_last.pt"
    if kind == "truncated":
        data = last.read_bytes()
        last.write_bytes(data[: len(data) // 3])
    else:
        torch.save({"model": {}, "cfg": _Exploit()}, last, pickle_protocol=2)
    proc = run_cli(train_args(odd_fdu, tmp_path, "fs_lstm", "--max-update", "4"), check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    error = proc.stderr.strip().splitlines()[-1]
    assert re.fullmatch(rf"error: {re.escape(str(last))}: cannot load checkpoint \(.+\)", error)
    if kind == "truncated":
        assert "truncated or corrupted" in error
    else:
        # the refused global is named; torch's advice to load in full is not repeated
        assert "unsupported GLOBAL posix.system" in error and "weights_only" not in error
