"""The task-relation study (fairseq_mtl_tools/relations): features, curve fit, predictor,
suggestion, and the resumable grid end to end on the tiny data."""
import json
import os

import numpy as np
import pytest

from conftest import DEV_SIZE, TASKS, run_cli
from fairseq_mtl_tools.relations import features as F
from fairseq_mtl_tools.relations import grid as G
from fairseq_mtl_tools.relations import predictor as P


def test_jensen_shannon_is_0_for_the_same_bag_and_1_for_disjoint_bags():
    assert F.jensen_shannon(np.array([2.0, 1, 0]), np.array([4.0, 2, 0])) == pytest.approx(0)
    assert F.jensen_shannon(np.array([1.0, 0]), np.array([0.0, 3])) == pytest.approx(1)


def test_data_features_of_a_task(data_bin):
    feats = F.data_features(data_bin, "alpha")
    assert feats["size"] == TASKS["alpha"][1] - DEV_SIZE and feats["labels"] == 2
    assert 0 < feats["type_token"] < 1 and 0 < feats["jsd_train_test"] < 1
    assert 0.5 < feats["label_entropy"] <= 1.0  # two labels, roughly balanced
    # without pretrained vectors (--embeddings none) the OOV rate does not exist
    assert np.isnan(feats["oov_rate"])
    # Frobenius norm: at least sqrt(#tokens) (every count >= 1), at most #tokens
    from fairseq.data.indexed_dataset import make_dataset

    ds = make_dataset(os.path.join(data_bin, "alpha", "train"), impl="mmap")
    n = sum(int((ds[i] >= 4).sum()) for i in range(len(ds)))
    assert np.sqrt(n) <= feats["frobenius"] <= n


def test_the_log_curve_fit_recovers_a_and_c():
    i = np.linspace(10, 1000, 12)
    a, c = F.fit_log_curve(i, -0.3 * np.log(0.02 * i + 1.0) + 2.0, task="t")
    assert a == pytest.approx(-0.3, rel=0.05) and c == pytest.approx(0.02, rel=0.1)
    grads = F.curve_gradients(i, -0.001 * i + 1, total=1000)
    assert grads["grad_50"] == pytest.approx(-0.001)


def test_a_failed_curve_fit_names_the_task_and_is_recorded():
    with pytest.raises(ValueError, match="books: 2 dev-loss points"):
        F.fit_log_curve([1, 2], [1.0, 0.9], task="books")
    warnings = []
    feats = F.curve_features([{"update": u, "loss": float("nan")} for u in range(1, 6)], 5,
                             "dvd", warnings)
    assert np.isnan(feats["curve_a"]) and warnings and warnings[0].startswith("dvd:")


def synthetic_study(n_tasks=10, seed=0):
    """Tasks whose gain as a main task is decided by one feature (grad_30 of the main task)."""
    rng = np.random.RandomState(seed)
    tasks = [f"t{k}" for k in range(n_tasks)]
    features = {t: {f: float(rng.uniform(0.5, 2)) for f in F.TASK_FEATURES} for t in tasks}
    pairs = [(m, a) for m in tasks for a in tasks if m != a]
    gains = [features[m]["grad_30"] - 1.2 + 0.05 * rng.randn() for m, a in pairs]
    return tasks, features, pairs, gains


def test_the_predictor_beats_the_majority_baseline_on_a_learnable_signal():
    tasks, features, pairs, gains = synthetic_study()
    x = P.design(pairs, features)
    y = (np.array(gains) > 0).astype(int)
    res = P.cross_validate(x[:, P.usable_columns(x)], y, repeats=5)
    assert res["model"]["acc_mean"] - res["majority"]["acc_mean"] > 3 * res["model"]["acc_std"]
    names = [n for n, keep in zip(P.feature_names(), P.usable_columns(x)) if keep]
    top = P.coefficients(x[:, P.usable_columns(x)], y, names)[0][0]
    assert top == "grad_30 (main)"


def test_suggest_ranks_by_the_aux_feature_that_decides_the_gain():
    rng = np.random.RandomState(1)
    tasks = [f"t{k}" for k in range(8)]
    features = {t: {f: float(rng.uniform(0.5, 2)) for f in F.TASK_FEATURES} for t in tasks}
    pairs = [(m, a) for m in tasks[1:] for a in tasks if m != a]
    gains = [features[a]["size"] - 1.25 for m, a in pairs]
    ranked = P.suggest("t0", tasks, features, pairs, gains, top=3)
    by_size = sorted(tasks[1:], key=lambda t: -features[t]["size"])
    picked = [a for a, _ in ranked]
    # a regularised fit on 49 pairs and 42 features: the best first, the rest near the top
    assert picked[0] == by_size[0] and set(picked) <= set(by_size[:4])
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)


def test_relative_labels_isolate_what_the_auxiliary_adds():
    """Every pair gains (a large main-task effect), so absolute labels are one class; the
    auxiliary's size decides which auxiliaries help more. Centred on each main task's median,
    the labels are learnable from the auxiliary's features, with whole main tasks held out."""
    rng = np.random.RandomState(2)
    tasks = [f"t{k}" for k in range(10)]
    features = {t: {f: float(rng.uniform(0.5, 2)) for f in F.TASK_FEATURES} for t in tasks}
    pairs = [(m, a) for m in tasks for a in tasks if m != a]
    gains = [5 + 5 * features[m]["grad_30"] + features[a]["size"] for m, a in pairs]
    centred = P.centered_gains(pairs, gains)
    for main in tasks:
        rows = [i for i, (m, _) in enumerate(pairs) if m == main]
        assert np.median(centred[rows]) == pytest.approx(0)
        order = sorted(rows, key=lambda i: centred[i])
        assert [features[pairs[i][1]]["size"] for i in order] == sorted(
            features[pairs[i][1]]["size"] for i in rows)
    x = P.design(pairs, features)
    x = x[:, P.usable_columns(x)]
    y = (centred > 0).astype(int)
    res = P.cross_validate(x, y, repeats=3, groups=[m for m, _ in pairs])
    assert res["model"]["acc_mean"] - res["majority"]["acc_mean"] > 3 * res["model"]["acc_std"]
    train = [(i, p) for i, p in enumerate(pairs) if p[0] != "t0"]
    with pytest.raises(ValueError):  # all gains positive: nothing to learn from absolute labels
        P.suggest("t0", tasks, features, [p for _, p in train], [gains[i] for i, _ in train])
    ranked = P.suggest("t0", tasks, features, [p for _, p in train],
                       [gains[i] for i, _ in train], top=3, relative=True)
    # the labels say above or below the median, not by how much: the top 3 as a set
    assert {a for a, _ in ranked} == set(sorted(tasks[1:], key=lambda t: -features[t]["size"])[:3])


def test_the_grid_trains_resumes_skips_and_reports(data_bin, tmp_path):
    runs = str(tmp_path / "runs")
    spec = G.RunSpec("alpha", "beta")
    # a pair run killed after 4 of its 12 updates ...
    os.makedirs(os.path.join(runs, spec.directory))
    cmd = G.train_command(spec, data_bin, os.path.join(runs, spec.directory),
                          G.PROFILES["tiny"], seed=1)
    cmd[cmd.index("--max-update") + 1] = "4"
    import subprocess

    with open(os.path.join(runs, spec.directory, "train.log"), "w") as log:
        subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=True)
    # ... is resumed by the grid, which also trains the rest, two runs at a time
    run_cli(["fairseq-mtl-relations", "run", "--data", data_bin, "--tasks", "alpha,beta",
             "--profile", "tiny", "--runs", runs, "--quiet", "--jobs", "2"])
    pair = json.load(open(os.path.join(runs, "pair/alpha+beta/result.json")))
    log = open(os.path.join(runs, "pair/alpha+beta/train.log")).read()
    assert "Loaded checkpoint" in log
    assert [p["update"] for p in pair["curve"]] == [2, 4, 6, 8, 10, 12]  # twice the updates
    # the two single-task runs trained at the same time
    stamps = {}
    for task in ("alpha", "beta"):
        text = open(os.path.join(runs, f"single/{task}/train.log")).read()
        stamps[task] = [m.group(1) for m in map(G.STAMP.match, text.splitlines()) if m]
    assert stamps["beta"][0] < stamps["alpha"][-1] and stamps["alpha"][0] < stamps["beta"][-1]
    single = json.load(open(os.path.join(runs, "single/alpha/result.json")))
    assert [p["update"] for p in single["curve"]] == [2, 4, 6]
    assert 0 <= single["test_acc"] <= 100 and single["tasks"] == ["alpha"]
    assert not [f for f in os.listdir(os.path.join(runs, "single/alpha")) if f.endswith(".pt")]
    # finished runs are skipped
    stamp = os.path.getmtime(os.path.join(runs, "single/alpha/result.json"))
    proc = run_cli(["fairseq-mtl-relations", "run", "--data", data_bin, "--tasks", "alpha,beta",
                    "--profile", "tiny", "--runs", runs, "--quiet"])
    assert "4 runs (4 finished)" in proc.stderr
    assert os.path.getmtime(os.path.join(runs, "single/alpha/result.json")) == stamp
    # the report: heat-maps and tables (too few pairs for cross-validation: said so)
    out = str(tmp_path / "report")
    (tmp_path / "notes.md").write_text("**Status: two tasks.**\n")
    proc = run_cli(["fairseq-mtl-relations", "report", "--runs", runs, "--data", data_bin,
                    "--out", out, "--repeats", "2", "--preamble", tmp_path / "notes.md"])
    for suffix in (".md", ".json", "_gains.csv", "_gains_dev.png", "_features.csv"):
        assert os.path.exists(out + suffix), suffix
    text = open(out + ".md").read()
    assert "every class needs at least 5 pairs" in text
    assert text.splitlines()[2] == "**Status: two tasks.**" and "Runs: 2 single-task" in text
    rows = open(out + "_gains.csv").read().splitlines()
    assert rows[0].startswith("main,aux") and len(rows) == 3


def test_unknown_tasks_are_named(data_bin, tmp_path):
    proc = run_cli(["fairseq-mtl-relations", "run", "--data", data_bin, "--tasks", "alpha,nope",
                    "--runs", str(tmp_path), "--dry-run"], check=False)
    assert proc.returncode != 0 and "unknown task(s) nope" in proc.stderr


def test_training_time_adds_up_the_attempts_of_a_resumed_run():
    log = ("2026-11-23 09:00:00 | INFO | fairseq_cli.train | {'_name': None}\n"
           "2026-11-23 09:01:40 | INFO | train_inner | epoch 001: 10 / 44 loss=1\n"   # killed
           "2026-11-23 09:05:00 | INFO | fairseq_cli.train | {'_name': None}\n"
           "2026-11-23 09:05:30 | INFO | fairseq_cli.train | done training in 29.0 seconds\n")
    assert G.train_seconds_from_log(log) == 130


def _fake_result(runs, main, aux, dev_acc, curve_scale=1.0):
    """A finished run's result.json, as the grid writes it (no training)."""
    spec = G.RunSpec(main, aux)
    os.makedirs(os.path.join(runs, spec.directory), exist_ok=True)
    curve = [{"update": u, "loss": curve_scale * (1.0 - 0.1 * np.log(u)), "acc": 50.0}
             for u in (2, 4, 6)]
    result = {"main": main, "aux": aux, "tasks": spec.tasks, "seed": 1, "profile": "tiny",
              "dev_acc": dev_acc, "test_acc": dev_acc, "curve": curve, "train_seconds": 1.0,
              "command": "fake", "hardware": "fake", "commit": "fake"}
    with open(os.path.join(runs, spec.directory, "result.json"), "w") as f:
        json.dump(result, f)


def test_random_draws_are_independent_across_main_tasks_and_reproducible():
    from fairseq_mtl_tools.relations.cli import random_draws

    tasks = [f"t{i:02d}" for i in range(16)]
    draws = {m: random_draws(m, [t for t in tasks if t != m], 3, 2, seed=1) for m in tasks}
    assert draws["t00"] == random_draws("t00", [t for t in tasks if t != "t00"][::-1], 3, 2, 1)
    assert draws["t00"] != random_draws("t00", tasks[1:], 3, 2, seed=2)
    for m, (first, second) in draws.items():
        assert m not in first + second and len(set(first)) == 3 and first != second
    # positions in each main task's candidate list: one generator per seed alone gives every
    # main task the same positions; per-main generators must not
    positions = {tuple(sorted([t for t in tasks if t != m].index(a) for a in draws[m][0]))
                 for m in tasks}
    assert len(positions) > 8


def test_train_suggested_trains_the_main_task_with_its_suggestion_and_a_random_draw(
        data_bin, tmp_path):
    runs = str(tmp_path / "runs")
    for i, task in enumerate(("alpha", "beta", "gamma")):
        _fake_result(runs, task, None, 60.0, curve_scale=1 + i)
    # every pair gains; gamma helps beta more than alpha does, alpha helps gamma more than beta
    for main, aux, acc in (("beta", "gamma", 70), ("beta", "alpha", 65), ("gamma", "alpha", 70),
                           ("gamma", "beta", 65), ("alpha", "beta", 66), ("alpha", "gamma", 64)):
        _fake_result(runs, main, aux, float(acc))
    proc = run_cli(["fairseq-mtl-relations", "suggest", "--runs", runs, "--data", data_bin,
                    "--main", "alpha", "--top", "2"], check=False)
    assert proc.returncode != 0  # gain > 0 everywhere: one class, nothing to learn
    proc = run_cli(["fairseq-mtl-relations", "train-suggested", "--runs", runs, "--data",
                    data_bin, "--main", "alpha", "--top", "1", "--random", "1", "--relative",
                    "--profile", "tiny", "--quiet", "--jobs", "2"])
    summary = json.loads(proc.stdout)
    assert summary["main"] == "alpha" and summary["single"] == 60.0
    (suggested, drawn) = summary["runs"]
    assert suggested["tasks"][0] == "alpha" and len(suggested["tasks"]) == 2
    assert drawn["tasks"][0] == "alpha" and len(drawn["tasks"]) == 2
    setting = os.path.join(runs, "suggest", "relative-top1", "alpha")
    record = json.load(open(os.path.join(setting, "suggested", "result.json")))
    assert record["tasks"] == suggested["tasks"] and 0 <= record["test_acc"] <= 100
    assert os.path.exists(os.path.join(setting, "random1", "result.json"))
    # the report's table of trained suggestions
    out = str(tmp_path / "report")
    run_cli(["fairseq-mtl-relations", "report", "--runs", runs, "--data", data_bin, "--out", out,
             "--repeats", "2"])
    text = open(out + ".md").read()
    assert "**Suggested vs random auxiliaries, trained** (`train-suggested`, relative-top1" in text
    assert "| alpha | " + suggested["tasks"][1] + " |" in text
    assert "| **mean** (1 main tasks)" in text
    # a finished run of other tasks in the same directory is not taken for this one
    with pytest.raises(ValueError, match="move it away"):
        G.run_one(G.RunSpec("alpha", extra=["gamma", "beta"], name="pair/alpha+beta"), data_bin,
                  runs, "tiny")


def test_the_report_on_a_whole_synthetic_grid(tmp_path, monkeypatch):
    """build() end to end without training: 10 tasks whose gains follow a main-task feature
    (absolute labels) plus an auxiliary one (relative labels)."""
    from fairseq_mtl_tools.relations import report as R

    tasks, features, pairs, gains = synthetic_study()
    results = {f"single/{t}": {"main": t, "aux": None, "profile": "tiny", "seed": 1,
                               "dev_acc": 50.0, "test_acc": 50.0, "curve": [],
                               "train_seconds": 1.0, "command": "c", "hardware": "h",
                               "commit": "x"} for t in tasks}
    for (m, a), g in zip(pairs, gains):
        g = g + 0.2 * features[a]["size"]
        results[f"pair/{m}+{a}"] = dict(results[f"single/{m}"], aux=a, dev_acc=50.0 * (1 + g / 100),
                                        test_acc=50.0 * (1 + g / 100))
    monkeypatch.setattr(R, "load_results", lambda runs: results)
    monkeypatch.setattr(R, "task_features", lambda results, data, warnings: features)
    out = str(tmp_path / "report")
    text = R.build("runs", "data", out, repeats=3)
    assert "| majority baseline |" in text and "Top coefficients" in text
    assert "**Relative labels**" in text and "with each main task's pairs in one fold" in text
    assert "Suggestion check, absolute labels" in text and "Suggestion check, relative" in text
    saved = json.load(open(out + ".json"))
    assert {"absolute/all", "relative/all"} <= set(saved["cv"])
    assert saved["cv"]["absolute/all"]["model"]["acc_mean"] > saved["cv"]["absolute/all"][
        "majority"]["acc_mean"]
