"""The GPU-machine scripts, run here with fairseq-train replaced by a stub: device_runs.sh trains a
run list side by side, stops what is still training at its deadline, says what each run reached
and packs the records; called again it resumes; device_fold.sh takes only the finished runs into
a checkout. (What the runs train is tested elsewhere; a GPU is not needed for the bookkeeping.)"""
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import _stub_bin

ROOT = Path(__file__).resolve().parents[1]

# seed 9 trains for a long time (a deadline must cut it), seed 8 crashes before its first
# checkpoint, every other run finishes at once; each validates epoch 1 first
STUB = """#!/usr/bin/env bash
while [[ $# -gt 0 ]]; do [[ "$1" == --save-dir ]] && D="$2"; shift; done
echo "| valid | epoch 001 | valid on 'valid' subset | books/accuracy 80.0"
touch "$D/checkpoint_last.pt" "$D/checkpoint_best.pt"
case "$D" in
  *seed9) [[ -f "$D/second" ]] || { touch "$D/second"; sleep 67.25; } ;;
  *seed8) echo 'RuntimeError: out of memory' >&2; rm -f "$D"/checkpoint_*.pt; exit 1 ;;
esac
echo "| valid | epoch 002 | valid on 'valid' subset | books/accuracy 81.0"
echo "done training in 1.0 seconds"
"""


def _device_runs(tmp_path, budget, env, run_list):
    return subprocess.run([str(ROOT / "scripts/device_runs.sh"), str(budget), str(run_list)],
                          env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)


def _status(out):
    rows = [line.split("\t") for line in (out / "status.tsv").read_text().splitlines()[1:]]
    return {(r[0], r[2], r[3]): (r[4], r[5]) for r in rows}


def test_device_runs_cuts_at_its_deadline_resumes_and_folds_only_finished_runs(tmp_path):
    stub = _stub_bin(tmp_path)
    (stub / "fairseq-train").write_text(STUB)
    out, runs = tmp_path / "out", tmp_path / "runs"
    env = dict(os.environ, BIN=str(stub), OUT=str(out), RUNS_ROOT=str(runs), GRACE="2",
               MIN_START="0", FAIRSEQ_MTL_COMMIT="abc1234")
    run_list = tmp_path / "runs.txt"
    run_list.write_text("# bench profile arch seed\n"
                        "fdu_mtl cpu sp_lstm 1\nfdu_mtl cpu sp_lstm 9\n"
                        "fdu_mtl cpu asp_lstm 8\nglue_pretrained minilm_gpu st_transformer 1\n")

    first = _device_runs(tmp_path, 12, env, run_list)
    assert first.returncode == 0, first.stderr
    status = _status(out)
    assert status[("fdu_mtl", "sp_lstm", "1")] == ("done", "2")
    assert status[("fdu_mtl", "sp_lstm", "9")] == ("cut", "1")
    assert status[("fdu_mtl", "asp_lstm", "8")][0] == "failed (exit 1)"
    assert status[("glue_pretrained", "st_transformer", "1")] == ("done", "2")
    with tarfile.open(out / "records.tar.gz") as tar:
        names = set(tar.getnames())
    assert "./fdu_mtl/cpu/sp_lstm/seed1/run.json" in names
    assert "./fdu_mtl/cpu/sp_lstm/seed9/train.log" in names
    assert "./fdu_mtl/cpu/sp_lstm/seed9/run.json" not in names
    assert "./glue_pretrained/minilm_gpu/st_transformer/seed1/dev_curve.json" in names
    assert not any(name.endswith(".pt") for name in names)  # records, never checkpoints
    # the deadline stopped the recipe and everything under it
    assert subprocess.run(["pgrep", "-f", "sleep 67.25"], capture_output=True).returncode != 0

    # a checkout to fold into: the scripts, and a table builder that says it ran
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts/device_fold.sh", checkout / "scripts")
    (checkout / "recipes/fdu_mtl").mkdir(parents=True)
    shutil.copy(ROOT / "recipes/lib.sh", checkout / "recipes")
    (checkout / "recipes/fdu_mtl/make_tables.sh").write_text(
        "#!/usr/bin/env bash\necho \"table $1\"\n")
    (checkout / "recipes/fdu_mtl/make_tables.sh").chmod(0o755)
    fold = subprocess.run([str(checkout / "scripts/device_fold.sh"), str(out / "records.tar.gz")],
                          capture_output=True, text=True, check=True)
    assert "not folded (did not finish): fdu_mtl/cpu/sp_lstm/seed9" in fold.stdout
    assert "2 runs folded" in fold.stdout and "table cpu" in fold.stdout
    assert "run_pretrained.sh minilm_gpu" in fold.stdout
    assert (checkout / "runs/fdu_mtl/cpu/sp_lstm/seed1/run.json").exists()
    assert not (checkout / "runs/fdu_mtl/cpu/sp_lstm/seed9").exists()
    assert (checkout / "thesis_results/runs/cpu/sp_lstm/seed1/run.json").exists()
    assert (checkout / "thesis_results/runs/glue_pretrained_minilm_gpu/st_transformer/seed1/"
            "run.json").exists()
    again = subprocess.run([str(checkout / "scripts/device_fold.sh"), str(out / "records.tar.gz")],
                           capture_output=True, text=True, check=True)
    assert "not folded (already finished here): fdu_mtl/cpu/sp_lstm/seed1" in again.stdout

    # the same call again on the same machine: the cut run resumes and finishes, the finished
    # ones are not trained twice
    second = _device_runs(tmp_path, 30, env, run_list)
    assert second.returncode == 0, second.stderr
    status = _status(out)
    assert status[("fdu_mtl", "sp_lstm", "9")] == ("done", "2")
    log = (runs / "fdu_mtl/cpu/sp_lstm/seed9/train.log").read_text()
    assert "resumed from checkpoint_last.pt" in log
    assert "resumed" not in (runs / "fdu_mtl/cpu/sp_lstm/seed1/train.log").read_text()


@pytest.mark.fast
def test_device_runs_refuses_a_malformed_run_list(tmp_path):
    run_list = tmp_path / "runs.txt"
    run_list.write_text("fdu_mtl cpu sp_lstm\n")
    proc = _device_runs(tmp_path, 10, dict(os.environ, OUT=str(tmp_path / "out")), run_list)
    assert proc.returncode == 2 and "want 'BENCH PROFILE ARCH SEED'" in proc.stderr
    run_list.write_text("squad cpu sp_lstm 1\n")
    proc = _device_runs(tmp_path, 10, dict(os.environ, OUT=str(tmp_path / "out")), run_list)
    assert proc.returncode == 2 and "unknown bench 'squad'" in proc.stderr


@pytest.mark.fast
def test_a_model_carried_as_fp16_loads_as_the_rounded_weights(tmp_path):
    """gpu_kit.sh carries a BERT-layout model with fp16 weights (half the bytes); the encoder
    reads them back as float32, equal to the original weights rounded to fp16."""
    import torch

    from fairseq_mtl.pretrained import load_pretrained
    from fairseq_mtl_tools.half import halve
    from pretrained_models import write_tiny_bert

    original = write_tiny_bert(str(tmp_path / "tiny-bert"))
    copy = halve(original, str(tmp_path / "half"))
    full, half = load_pretrained(original), load_pretrained(copy)
    assert os.path.getsize(os.path.join(copy, "model.safetensors")) < \
        0.6 * os.path.getsize(os.path.join(original, "model.safetensors"))
    assert set(full.weights) == set(half.weights) and full.symbols == half.symbols
    for name, value in full.weights.items():
        assert half.weights[name].dtype == torch.float32
        assert torch.equal(half.weights[name], value.half().float()), name
    assert any(not torch.equal(half.weights[n], v) for n, v in full.weights.items())
