"""Real `fairseq-train --user-dir user_dir` runs of a few updates on the tiny synthetic data."""
import json
import os

import pytest

from conftest import USER_DIR, plugin_archs, run_cli, train_args

#: every arch the plugin registers that trains from scratch (the transfer archs need a shared
#: layer to start from: tests/test_transfer.py)
ARCHS = plugin_archs("mtl_lstm", "mtl_baseline", "mtl_transformer")


@pytest.mark.parametrize("arch", ARCHS)
def test_every_arch_trains_validates_and_saves(arch, data_bin, tmp_path):
    proc = run_cli(train_args(data_bin, tmp_path, arch, "--max-update", "6"))
    log = proc.stdout + proc.stderr
    assert "num_updates 6" in log or "num_updates=6" in log
    assert "valid on 'valid' subset" in log and "avg_acc" in log
    for task in ("alpha", "beta", "gamma"):
        assert f"{task}/acc" in log
    if arch.startswith("asp_"):
        assert "adv_acc" in log and "diff_loss" in log
    if arch.endswith("transformer"):
        assert "without word embeddings" in log  # parameter counts at start-up
    assert os.path.exists(tmp_path / "checkpoint_best.pt")


def test_semi_supervised_max_tokens_and_other_sampler(data_bin, tmp_path):
    proc = run_cli(train_args(data_bin, tmp_path, "asp_lstm", "--max-update", "5",
                              "--unlabeled", "--sampler", "temperature", "--batch-size", "0",
                              "--max-tokens", "40", "--task-weights", "alpha:2,gamma:0.5"))
    assert "adv_acc" in proc.stdout + proc.stderr


def test_bad_task_weight_names_the_known_tasks(data_bin, tmp_path):
    proc = run_cli(train_args(data_bin, tmp_path, "fs_lstm", "--max-update", "1",
                              "--task-weights", "delta:2"), check=False)
    assert proc.returncode != 0 and "alpha" in proc.stderr and "delta" in proc.stderr


def test_tensorboard_groups_per_task_curves(data_bin, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tb = tmp_path / "tb"
    run_cli(train_args(data_bin, tmp_path / "ck", "asp_lstm", "--max-update", "4",
                       "--tensorboard-logdir", tb))
    valid = EventAccumulator(str(tb / "valid")).Reload()
    tags = set(valid.Tags()["scalars"])
    assert {"alpha/acc", "beta/acc", "gamma/acc", "alpha/loss", "avg_acc", "adv_acc"} <= tags


def test_evaluate_and_fairseq_validate(data_bin, tmp_path):
    run_cli(train_args(data_bin, tmp_path, "sp_lstm", "--max-update", "8"))
    ckpt = tmp_path / "checkpoint_best.pt"
    out = tmp_path / "eval"
    proc = run_cli(["fairseq-mtl-evaluate", ckpt, "--split", "test", "--out", out])
    result = json.load(open(str(out) + ".json"))
    assert [r["task"] for r in result["tasks"]] == ["alpha", "beta", "gamma"]
    assert all(r["n"] == 12 for r in result["tasks"])
    for r in result["tasks"]:
        assert abs(r["accuracy"] + r["error"] - 100) < 1e-6
    mean = sum(r["accuracy"] for r in result["tasks"]) / 3
    assert abs(result["average"]["accuracy"] - round(mean, 2)) < 1e-6
    assert "| **average** |" in open(str(out) + ".md").read() and "beta" in proc.stdout
    # both splits with one model load: the same test scores as the single-split call
    run_cli(["fairseq-mtl-evaluate", ckpt, "--split", "valid,test", "--out", tmp_path / "both"])
    both = json.load(open(tmp_path / "both_test.json"))
    assert both["tasks"] == result["tasks"] and both["split"] == "test"
    assert json.load(open(tmp_path / "both_valid.json"))["split"] == "valid"
    proc = run_cli(["fairseq-validate", data_bin, "--user-dir", train_args("", "", "")[3],
                    "--task", "multitask_classification", "--path", ckpt,
                    "--valid-subset", "test", "--batch-size", "8"])
    assert "avg_acc" in proc.stdout + proc.stderr


def _run_in(cwd, args, check=True):
    import subprocess
    import sys

    cmd = [os.path.join(os.path.dirname(sys.executable), args[0])] + [str(a) for a in args[1:]]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=600,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert not check or proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_evaluate_from_another_directory_finds_the_data_or_refuses(data_bin, tmp_path):
    """Trained with a relative data path: the checkpoint records it absolute; an older
    checkpoint with the relative path is found from its own directory; data that cannot be
    found is one line naming it and --data, and an earlier results file stays as it was."""
    import shutil

    import torch

    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    shutil.copytree(data_bin, project / "data-bin" / "tiny")
    elsewhere.mkdir()
    args = train_args("data-bin/tiny", "ck", "sp_lstm", "--max-update", "4")
    _run_in(project, args)
    state = torch.load(project / "ck" / "checkpoint_last.pt")
    assert state["cfg"]["task"]["data"] == str(project / "data-bin" / "tiny")
    ckpt = project / "ck" / "checkpoint_last.pt"
    proc = _run_in(elsewhere, ["fairseq-mtl-evaluate", ckpt, "--split", "test"])
    assert "| alpha | 12 |" in proc.stdout

    state["cfg"]["task"]["data"] = "data-bin/tiny"  # as written before paths were resolved
    old = project / "ck" / "old.pt"
    torch.save(state, old)
    proc = _run_in(elsewhere, ["fairseq-mtl-evaluate", old, "--split", "test"])
    assert "| gamma | 12 |" in proc.stdout
    good = (project / "ck" / "eval_test.md").read_text()

    (project / "data-bin").rename(project / "moved")
    proc = _run_in(elsewhere, ["fairseq-mtl-evaluate", old, "--split", "test"], check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        f"fairseq-mtl-evaluate: error: {old}: the data directory it was trained on, "
        f"'data-bin/tiny', is not found from here (a relative path: it was relative to where "
        f"fairseq-train ran); pass --data DIR, the prepared data of this model")
    assert (project / "ck" / "eval_test.md").read_text() == good
    proc = _run_in(elsewhere, ["fairseq-mtl-evaluate", old, "--split", "test", "--data",
                               project / "moved" / "tiny"])
    assert "| beta | 12 |" in proc.stdout
    # a split no task has: an error, nothing written
    proc = _run_in(elsewhere, ["fairseq-mtl-evaluate", old, "--split", "dev", "--data",
                               project / "moved" / "tiny", "--out", tmp_path / "u"], check=False)
    assert proc.returncode == 1
    assert "no task of this checkpoint has a 'dev' split" in proc.stderr
    assert proc.stderr.rstrip().endswith("nothing was written")
    assert not (tmp_path / "u.md").exists()


def test_evaluate_reports_missing_checkpoint(tmp_path):
    proc = run_cli(["fairseq-mtl-evaluate", tmp_path / "nope.pt"], check=False)
    assert proc.returncode == 1 and "checkpoint not found" in proc.stderr


def test_option_flags_reach_the_model_and_task(data_bin, tmp_path):
    from fairseq_mtl.checkpoint import load_checkpoint

    run_cli(train_args(data_bin, tmp_path, "asp_lstm", "--max-update", "2",
                       "--raw-orthogonality", "--no-discriminator-bias", "--random-batches"))
    model, task, cfg = load_checkpoint(str(tmp_path / "checkpoint_last.pt"))
    assert cfg.criterion.raw_orthogonality and cfg.criterion.orthogonality_weight == 0.01
    assert cfg.task.random_batches
    assert model.adversary.discriminator.proj.bias is None


def test_adversarial_and_orthogonality_on_a_thesis_scheme(data_bin, tmp_path):
    proc = run_cli(train_args(data_bin, tmp_path, "layerwise_implicit_transformer",
                              "--max-update", "4", "--adversarial-weight", "0.05",
                              "--orthogonality-weight", "0.01", "--unlabeled"))
    log = proc.stdout + proc.stderr
    assert "adv_acc" in log and "diff_loss" in log


def test_orthogonality_without_a_private_vector_is_refused(data_bin, tmp_path):
    proc = run_cli(train_args(data_bin, tmp_path, "stack_cls_transformer", "--max-update", "1",
                              "--orthogonality-weight", "0.01"), check=False)
    assert proc.returncode != 0 and "layerwise_implicit" in proc.stderr


def test_transformer_truncates_to_its_positions_and_says_so(data_bin, tmp_path):
    # 8 positions - 3 task tokens = 5 words; the toy sentences have up to 12
    proc = run_cli(train_args(data_bin, tmp_path, "layerwise_explicit_transformer",
                              "--max-update", "2", "--max-positions", "8"))
    log = proc.stdout + proc.stderr
    assert "cut to 5 tokens" in log
    # counted per task and per split, dev included (nothing is filtered out)
    import re
    assert re.search(r"valid: \d+ sentences cut to 5 tokens \(alpha \d+, beta \d+, gamma \d+\)",
                     log)
    proc = run_cli(train_args(data_bin, tmp_path / "b", "stack_cls_transformer", "--max-update",
                              "1", "--max-positions", "8", "--truncate-length", "9"), check=False)
    assert proc.returncode != 0 and "reads at most 7 words" in proc.stderr


def test_the_headline_command_trains_as_written(data_bin, tmp_path):
    """`fairseq-train DATA --user-dir user_dir --arch asp_transformer` (+ --max-update, --cpu):
    the arch fills what fairseq's translation defaults get wrong, and says so."""
    import subprocess

    from conftest import BIN, USER_DIR

    cmd = [os.path.join(BIN, "fairseq-train"), data_bin, "--user-dir", USER_DIR,
           "--arch", "asp_transformer", "--max-update", "3", "--cpu"]
    # every warning shown (the tests' run_cli hides them): the start is quiet all the same
    env = dict(os.environ, PYTHONWARNINGS="default")
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env=env)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    for noise in ("hydra", "Hydra", "tensorboardX", "pin_memory", "torch.cuda.amp.autocast"):
        assert noise not in log, f"start-up noise: {noise!r} in the log"
    assert ("--arch asp_transformer: fairseq's defaults are for translation; using --task "
            "multitask_classification --criterion multitask_adversarial --optimizer adam "
            "--lr 0.001 --lr-scheduler inverse_sqrt --warmup-updates 200 --batch-size 50 "
            "--best-checkpoint-metric avg_acc --maximize-best-checkpoint-metric") in log
    import torch

    cfg = torch.load(tmp_path / "checkpoints" / "checkpoint_best.pt", weights_only=False)["cfg"]
    assert cfg["criterion"]["orthogonality_weight"] == 0.01
    assert cfg["model"]["adversarial_weight"] == 0.05
    # a task that cannot work with these models: one line, at once
    proc = subprocess.run(cmd + ["--task", "sentence_prediction"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1] == (
        "fairseq-train: error: --arch asp_transformer needs --task multitask_classification "
        "(got --task sentence_prediction)")
    # what the user gives wins
    proc = subprocess.run(cmd[:4] + ["--arch", "fs_lstm", "--lr", "0.01", "--batch-size", "4",
                                      "--max-update", "2", "--cpu", "--save-dir", "b"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "using --task multitask_classification --criterion multitask_adversarial " \
           "--optimizer adam --best-checkpoint-metric avg_acc" in proc.stdout + proc.stderr


@pytest.mark.parametrize("with_data", [True, False])
def test_help_lists_the_plugins_options(data_bin, with_data):
    """`fairseq-train [DATA] --user-dir user_dir --arch asp_transformer -h`: fairseq would print
    its generic options only; the help lists the task's, the model's and the criterion's."""
    proc = run_cli(["fairseq-train", *([data_bin] if with_data else []), "--user-dir",
                    USER_DIR, "--arch", "asp_transformer", "-h"])
    for option in ("--sampler", "--adversarial-weight", "--orthogonality-weight", "--pretrained",
                   "--encoder-layers", "--lr"):
        assert option in proc.stdout, option


def test_help_without_an_arch_names_the_plugins_archs():
    """fairseq's --arch choices are ~200 names; the plugin's follow the options."""
    proc = run_cli(["fairseq-train", "--user-dir", USER_DIR, "-h"])
    tail = " ".join(proc.stdout.split("fairseq-mtl's archs")[-1].split())
    for arch in plugin_archs():
        assert arch in tail, arch
    assert "fairseq-mtl-list" in tail


def test_the_console_is_compact_and_the_metrics_file_holds_everything(data_bin, tmp_path):
    """Without --verbose: the command instead of the config, no model print-out, dev lines
    with the averages and the weakest task but no per-task values; those are in
    SAVE_DIR/metrics.jsonl, line by line."""
    args = [a for a in train_args(data_bin, tmp_path / "c", "asp_lstm", "--max-update", "6")
            if a != "--verbose"]
    proc = run_cli(args)
    log = proc.stdout + proc.stderr
    assert "| command: fairseq-train " in log and "MtlLstmModel(" not in log
    assert "'task': {'_name': 'multitask_classification'" not in log
    valid = [line for line in log.splitlines() if "valid on 'valid' subset" in line]
    assert valid and all("/acc" not in line and "/loss" not in line for line in valid)
    rows = [json.loads(line) for line in open(tmp_path / "c" / "metrics.jsonl")]
    assert {r["tag"] for r in rows} >= {"train_inner", "train", "valid"}
    dev = [r for r in rows if r["tag"] == "valid"][-1]
    weakest = min(("alpha", "beta", "gamma"), key=lambda t: dev[f"{t}/acc"])
    assert f"| weakest {weakest} {dev[weakest + '/acc']:g} |" in valid[-1]
    assert f"| avg_acc {dev['avg_acc']:g} |" in valid[-1]
    proc = run_cli(train_args(data_bin, tmp_path / "v", "asp_lstm", "--max-update", "6"))
    full = proc.stdout + proc.stderr
    assert "MtlLstmModel(" in full and "alpha/acc" in full and "weakest" not in full


def test_evaluate_shows_a_bar_when_asked_and_none_in_a_pipe(data_bin, tmp_path):
    run_cli(train_args(data_bin, tmp_path, "sp_lstm", "--max-update", "2"))
    ckpt = str(tmp_path / "checkpoint_last.pt")
    quiet = run_cli(["fairseq-mtl-evaluate", ckpt, "--split", "test", "--out",
                     str(tmp_path / "q")])
    shown = run_cli(["fairseq-mtl-evaluate", ckpt, "--split", "test", "--out",
                     str(tmp_path / "s"), "--progress"])
    assert "evaluate test" not in quiet.stderr and "evaluate test" in shown.stderr
    assert "INFO" not in quiet.stderr  # warnings and errors only
    assert (tmp_path / "q.md").read_text() == (tmp_path / "s.md").read_text()
