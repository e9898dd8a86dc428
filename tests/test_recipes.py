"""The recipes' run bookkeeping: a run stopped part-way and started again resumes from its
checkpoint_last.pt; train.sh must keep the earlier part of its log and add up the wall time of
the parts. fairseq-train is replaced by a stub (what it trains is tested elsewhere)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from conftest import _stub_bin

ROOT = Path(__file__).resolve().parents[1]


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


def test_a_part_killed_before_recording_its_time_is_counted_from_its_log(tmp_path):
    """A part killed at a session's end never wrote its seconds; the resume takes them from the
    first and last timestamps of that part's log lines, so run.json's wall time counts it."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "train.log").write_text(
        "2026-11-30 14:39:19 | INFO | fairseq_cli.train | start\n"
        "a line without a time stamp\n"
        "2026-11-30 14:49:19 | INFO | train_inner | epoch 001: 200 / 1396\n")
    (run_dir / "checkpoint_last.pt").touch()
    env = dict(os.environ, BIN=str(_stub_bin(tmp_path)), RUN_DIR=str(run_dir),
               FAIRSEQ_MTL_COMMIT="abc1234")
    subprocess.run([str(ROOT / "recipes/fdu_mtl/train.sh"), "asp_lstm", "1", "cpu"], env=env,
                   check=True, capture_output=True, cwd=ROOT)
    parts = [int(x) for x in (run_dir / "train_seconds.parts").read_text().split()]
    assert parts[0] == 600 and len(parts) == 2 and parts[1] >= 1
    assert json.loads((run_dir / "run.json").read_text())["train_seconds"] == sum(parts)


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


#: every recipe a user runs: the executable scripts (lib.sh, run_log.sh, pretrained.sh and the
#: profiles are sourced by them, not run)
RECIPES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "recipes").rglob("*.sh")
                 if os.access(p, os.X_OK))


def _copy_recipes(tmp_path: Path) -> Path:
    """The recipes in a checkout of their own (ROOT = tmp_path): no runs, no data."""
    import shutil

    shutil.copytree(ROOT / "recipes", tmp_path / "recipes")
    return tmp_path


@pytest.mark.parametrize("recipe", RECIPES)
def test_every_recipe_prints_its_usage_for_help_and_does_nothing_else(tmp_path, recipe):
    root = _copy_recipes(tmp_path / "checkout")
    stub = _stub_bin(tmp_path)
    before = sorted(p.name for p in root.iterdir())
    for flag in ("-h", "--help"):
        proc = subprocess.run([str(root / recipe), flag], capture_output=True, text=True,
                              env=dict(os.environ, BIN=str(stub)))
        assert proc.returncode == 0, proc.stderr
        assert "usage" in proc.stdout.lower()
        assert not proc.stdout.startswith("#")  # the comment text, not the comment
    assert sorted(p.name for p in root.iterdir()) == before  # no runs/, no data-bin/


@pytest.mark.parametrize("recipe", ["recipes/fdu_mtl/run_all.sh", "recipes/glue/run_all.sh",
                                    "recipes/fdu_mtl/layer_sweep.sh",
                                    "recipes/relations/run_all.sh"])
def test_a_long_job_prints_its_plan_and_needs_targets_or_all(tmp_path, recipe):
    root = _copy_recipes(tmp_path / "checkout")
    stub = _stub_bin(tmp_path)
    for name in ("fairseq-mtl-relations",):
        (stub / name).write_text("#!/usr/bin/env bash\ntouch \"$0.called\"\n")
        (stub / name).chmod(0o755)
    proc = subprocess.run([str(root / recipe)], capture_output=True, text=True,
                          env=dict(os.environ, BIN=str(stub)))
    assert proc.returncode == 2
    assert proc.stdout.startswith("plan: ") and "min" in proc.stdout
    assert "--all" in proc.stderr
    assert not (root / "runs").exists() and not list(stub.glob("*.called"))


def test_a_failed_run_shows_the_end_of_its_log(tmp_path):
    stub = _stub_bin(tmp_path)
    (stub / "fairseq-train").write_text(
        "#!/usr/bin/env bash\necho 'loading data'\necho 'RuntimeError: out of memory' >&2\n"
        "exit 1\n")
    proc = subprocess.run([str(ROOT / "recipes/fdu_mtl/train.sh"), "asp_lstm", "1", "cpu"],
                          capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, BIN=str(stub), RUN_DIR=str(tmp_path / "run"),
                                   FAIRSEQ_MTL_COMMIT="abc"))
    assert proc.returncode == 1
    assert "training asp_lstm seed 1 failed; the last lines of" in proc.stderr
    assert "RuntimeError: out of memory" in proc.stderr


@pytest.mark.fast
def test_every_recipe_calls_the_tools_of_BIN():
    """BIN names the environment a recipe runs with (a worktree beside the checkout that holds
    .venv, a GPU machine's wrappers): a recipe that calls .venv/bin directly ignores it."""
    import re

    offenders = []
    for path in sorted((ROOT / "recipes").rglob("*.sh")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\.venv/bin", line) and "BIN:-" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("recipe", ["recipes/fdu_mtl/train.sh", "recipes/glue/train.sh"])
def test_a_training_that_dies_after_its_first_checkpoint_is_not_recorded(tmp_path, recipe):
    """fairseq-train killed or crashing in epoch 2 leaves epoch 1's checkpoints behind: the
    recipe must fail with the log's end, not evaluate them and write run.json as if finished."""
    stub = _stub_bin(tmp_path)
    (stub / "fairseq-train").write_text(
        "#!/usr/bin/env bash\nwhile [[ $# -gt 0 ]]; do [[ \"$1\" == --save-dir ]] && D=\"$2\"; "
        "shift; done\necho \"epoch 001 valid on 'valid'\"\n"
        "touch \"$D/checkpoint_best.pt\" \"$D/checkpoint_last.pt\"\n"
        "echo 'RuntimeError: CUDA out of memory in epoch 2' >&2\nexit 1\n")
    run_dir = tmp_path / "run"
    proc = subprocess.run([str(ROOT / recipe), "asp_lstm", "1", "cpu"], capture_output=True,
                          text=True, cwd=ROOT, env=dict(os.environ, BIN=str(stub),
                                                        RUN_DIR=str(run_dir),
                                                        FAIRSEQ_MTL_COMMIT="abc"))
    assert proc.returncode == 1
    assert "training asp_lstm seed 1 failed" in proc.stderr and "in epoch 2" in proc.stderr
    assert not (run_dir / "run.json").exists() and (run_dir / "checkpoint_last.pt").exists()


@pytest.mark.fast
@pytest.mark.parametrize("side", ["shell", "python"])
def test_a_run_is_marked_dirty_by_edited_code_not_by_a_rebuilt_table(tmp_path, side):
    """The commit a run records: +dirty when tracked code differs from it; a results table the
    recipes rebuilt in the same tree (thesis_results/) is their output, not the run's code. The
    fairseq recipes (run_commit) and the Python-side runs (runinfo.git_commit: the transformers
    yardstick, the relation grid) record it by the same rule."""
    from fairseq_mtl_tools.runinfo import git_commit

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    env = {k: v for k, v in os.environ.items() if k != "FAIRSEQ_MTL_COMMIT"}

    def run_commit():
        if side == "python":
            return git_commit(str(tmp_path))
        script = f'source "{ROOT}/recipes/run_log.sh"; run_commit "{tmp_path}"'
        return subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True,
                              env={**env, "BIN": os.path.dirname(sys.executable)}).stdout.strip()

    (tmp_path / "thesis_results").mkdir()
    (tmp_path / "thesis_results/table.md").write_text("old\n")
    (tmp_path / "model.py").write_text("x = 1\n")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first")
    with mock.patch.dict(os.environ, env, clear=True):
        clean = run_commit()
        assert clean and not clean.endswith("+dirty") and clean != "unknown"
        (tmp_path / "thesis_results/table.md").write_text("rebuilt\n")
        assert run_commit() == clean
        (tmp_path / "model.py").write_text("x = 2\n")
        assert run_commit() == clean + "+dirty"


def test_a_glue_run_writes_its_dev_curve_when_it_finishes(tmp_path):
    """recipes/glue/train.sh keeps each epoch's dev scores (dev_curve.json, glue_table's curves)
    beside run.json; a log without validation lines gets no curve and the run still finishes."""
    stub = _stub_bin(tmp_path)
    (stub / "fairseq-train").write_text(
        "#!/usr/bin/env bash\nwhile [[ $# -gt 0 ]]; do [[ \"$1\" == --save-dir ]] && D=\"$2\"; "
        "shift; done\n"
        "echo \"| valid | epoch 001 | valid on 'valid' subset | RTE/accuracy 55.2 | RTE/n 277\"\n"
        "echo \"| valid | epoch 002 | valid on 'valid' subset | RTE/accuracy 58.1 | RTE/n 277\"\n"
        "touch \"$D/checkpoint_last.pt\"\necho 'done training in 1.0 seconds'\n")
    run_dir = tmp_path / "run"
    env = dict(os.environ, BIN=str(stub), RUN_DIR=str(run_dir), FAIRSEQ_MTL_COMMIT="abc")
    subprocess.run([str(ROOT / "recipes/glue/train.sh"), "asp_lstm", "1", "cpu"], env=env,
                   check=True, capture_output=True, cwd=ROOT)
    curve = json.loads((run_dir / "dev_curve.json").read_text())
    assert curve == {"epochs": {"1": {"RTE/accuracy": 55.2}, "2": {"RTE/accuracy": 58.1}}}

    quiet = tmp_path / "quiet"  # the default stub logs no validation line
    (tmp_path / "q").mkdir()
    proc = subprocess.run([str(ROOT / "recipes/glue/train.sh"), "asp_lstm", "1", "cpu"],
                          env=dict(env, BIN=str(_stub_bin(tmp_path / "q")), RUN_DIR=str(quiet)),
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and (quiet / "run.json").exists()
    assert not (quiet / "dev_curve.json").exists() and "no per-epoch dev curve" in proc.stderr


def test_a_gpu_profile_table_does_not_overwrite_the_cpu_profile_table(tmp_path):
    """make_tables.sh minilm_gpu (runs folded from a GPU machine) writes its own table; the
    minilm_cpu table beside it stays as it was."""
    from conftest import write_run

    checkout = tmp_path / "checkout"
    (checkout / "recipes/fdu_mtl").mkdir(parents=True)
    shutil.copy(ROOT / "recipes/lib.sh", checkout / "recipes")
    shutil.copy(ROOT / "recipes/fdu_mtl/make_tables.sh", checkout / "recipes/fdu_mtl")
    results = checkout / "thesis_results"
    write_run(results / "runs/minilm_gpu/stack_pool_transformer/seed1",
              "stack_pool_transformer", 1, 92.0)
    write_run(results / "runs/tf_cpu/stack_pool_transformer/seed1",
              "stack_pool_transformer", 1, 80.0)
    (results / "fdu_mtl_pretrained.md").write_text("the minilm_cpu table\n")
    subprocess.run([str(checkout / "recipes/fdu_mtl/make_tables.sh"), "minilm_gpu"], check=True,
                   capture_output=True, env=dict(os.environ, BIN=str(_stub_bin(tmp_path))))
    assert (results / "fdu_mtl_pretrained.md").read_text() == "the minilm_cpu table\n"
    table = (results / "fdu_mtl_pretrained_minilm_gpu.md").read_text()
    assert "profile minilm_gpu" in table and "92.00" in table


def test_adversary_recipe_adds_new_seeds_to_the_stored_ones_and_extends_only_runs_still_rising(
        tmp_path):
    """recipes/adversary/fdu.sh in a checkout whose table was built from stored records: a seed
    run here joins them (the table covers seeds 1-2, not 2 alone), and EXTEND=1 continues only
    the run whose dev peak is its last epoch (dev decides, both arms alike)."""
    checkout, runs, data = tmp_path / "checkout", tmp_path / "runs", tmp_path / "data"
    shutil.copytree(ROOT / "recipes", checkout / "recipes")
    stored = checkout / "thesis_results/runs/cpu-adversary"
    data.mkdir()
    (data / "manifest.json").write_text("{}")

    def record(run_dir, seed, error, dev):
        run_dir.mkdir(parents=True)
        (run_dir / "run.json").write_text(json.dumps(
            {"seed": seed, "arch": "x", "command": f"fairseq-train --seed {seed} --max-epoch 3"}))
        (run_dir / "eval_test.json").write_text(json.dumps({"average": {"error": error}}))
        (run_dir / "trajectory.json").write_text(json.dumps({"dev_avg_acc": dev}))

    for name, error in (("sp_watch", 15.0), ("asp_critic_conf", 14.5)):
        record(stored / name / "seed1", 1, error, [80.0, 85.0, 84.0])
    record(runs / "sp_watch/seed2", 2, 16.0, [70.0, 80.0, 83.0])  # still rising at epoch 3
    record(runs / "asp_critic_conf/seed2", 2, 15.0, [80.0, 85.0, 84.0])
    for name in ("sp_watch", "asp_critic_conf"):
        (runs / name / "seed2/checkpoint_last.pt").touch()
        (runs / name / "seed2/train.log").write_text("part 1 valid on 'valid'\n")
    bin_dir = _stub_bin(tmp_path)
    (bin_dir / "fairseq-mtl-evaluate").write_text(
        "#!/usr/bin/env bash\nwhile [[ $# -gt 0 ]]; do [[ $1 == --out ]] && O=$2; shift; done\n"
        "for s in valid test; do echo '{\"average\": {\"error\": 15.5}}' > ${O}_$s.json; done\n")
    (bin_dir / "fairseq-mtl-extract-shared").write_text("#!/usr/bin/env bash\nexit 0\n")
    (bin_dir / "fairseq-mtl-extract-shared").chmod(0o755)
    env = dict(os.environ, BIN=str(bin_dir), RUNS=str(runs), DATA=str(data), EXTEND="1",
               MAX_EPOCH="5", FAIRSEQ_MTL_COMMIT="abc1234")
    out = subprocess.run([str(checkout / "recipes/adversary/fdu.sh"), "sp_watch,asp_critic_conf",
                          "2"], env=env, capture_output=True, text=True, cwd=checkout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "continuing sp_watch seed 2 to 5 epochs" in out.stdout
    assert "continuing asp_critic_conf" not in out.stdout
    sp = json.loads((runs / "sp_watch/seed2/run.json").read_text())
    assert "--max-epoch 5" in sp["command"]  # trained again, to 5 epochs
    assert "resumed from checkpoint_last.pt" in (runs / "sp_watch/seed2/train.log").read_text()
    asp = json.loads((runs / "asp_critic_conf/seed2/run.json").read_text())
    assert asp["command"].endswith("--max-epoch 3")  # left as it was
    rows = [line for line in (checkout / "thesis_results/adversary_fdu.md").read_text()
            .splitlines() if line.startswith("| SP-MTL") or line.startswith("| ASP-MTL critic")]
    assert rows and all("| 1-2 |" in row for row in rows), rows
    assert (stored / "sp_watch/seed2/run.json").exists()
