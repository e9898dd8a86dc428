"""run.json names the hardware the run trained on, read from fairseq's own log."""
import json

import pytest

from fairseq_mtl_tools import runinfo

pytestmark = pytest.mark.fast

CUDA_LINE = ("2026-11-23 08:23:51 | INFO | fairseq.utils | rank   0: capabilities =  9.0  ; "
             "total memory = 79.179 GB ; name = NVIDIA H100 80GB HBM3                   \n")


def test_a_gpu_run_is_labelled_with_the_gpu_its_log_names(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("2026 | INFO | fairseq_cli.train | start\n" + CUDA_LINE)
    out = tmp_path / "run.json"
    runinfo.main(["--out", str(out), "--arch", "asp_lstm", "--seed", "1", "--profile", "cpu",
                  "--train-seconds", "5", "--command", "fairseq-train x", "--train-log", str(log)])
    assert json.load(open(out))["hardware"].startswith("NVIDIA H100 80GB HBM3")


def test_a_cpu_run_is_labelled_with_the_cpu(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("2026 | INFO | fairseq_cli.train | training on 1 devices\n")
    label = runinfo.hardware(str(log))
    assert "no GPU" in label and "H100" not in label


def test_a_run_records_the_commit_it_started_from(tmp_path):
    """A run that is given its starting commit (the transformers yardstick reads it before it
    trains) keeps it, whatever the tree holds when the run ends."""
    out = tmp_path / "run.json"
    runinfo.main(["--out", str(out), "--arch", "hf_bert_classifier", "--seed", "1", "--profile",
                  "cpu", "--train-seconds", "5", "--command", "python x", "--commit", "abc1234"])
    assert json.load(open(out))["commit"] == "abc1234"
