"""Multi-task training on a GLUE mix (pairs, a regression task, official metrics)."""
import pytest

from conftest import run_cli, train_args
from test_glue_prepare import write_glue


@pytest.fixture(scope="module")
def glue_bin(tmp_path_factory):
    raw = write_glue(tmp_path_factory.mktemp("glue-raw") / "glue", n=16)
    out = tmp_path_factory.mktemp("glue-bin")
    run_cli(["fairseq-mtl-prepare", "glue", "--raw-dir", raw, "--out", out,
             "--tokenizer", "words"])
    return str(out)


@pytest.mark.parametrize("arch", ["asp_lstm", "layerwise_explicit_transformer"])
def test_glue_mix_trains_with_official_metrics(glue_bin, tmp_path, arch):
    proc = run_cli(train_args(glue_bin, tmp_path, arch, "--max-update", "12",
                              "--best-checkpoint-metric", "avg_score"))
    valid = [line for line in (proc.stdout + proc.stderr).splitlines()
             if "valid on 'valid' subset" in line][-1]
    for key in ("CoLA/mcc", "MRPC/f1", "QQP/f1", "STS-B/pearson", "STS-B/loss", "RTE/acc",
                "MNLI/acc", "avg_score", "avg_acc"):
        assert f"| {key} " in valid, key
    assert "STS-B/acc" not in valid
