"""The L-E attention pictures (thesis Sec. 4.4) from a real tiny checkpoint."""
import json

import numpy as np
import pytest

from conftest import run_cli, train_args


@pytest.fixture(scope="module")
def le_checkpoint(data_bin, tmp_path_factory):
    save = tmp_path_factory.mktemp("le")
    run_cli(train_args(data_bin, save, "layerwise_explicit_transformer", "--max-update", "4"))
    return save / "checkpoint_best.pt"


def test_sentence_picture(le_checkpoint, tmp_path):
    from fairseq_mtl.checkpoint import load_checkpoint
    from fairseq_mtl_tools.attention import sentence_attention

    model, task, _ = load_checkpoint(str(le_checkpoint))
    result = sentence_attention(model, task, "beta", "B3 good b7 , b1")
    # 3 task tokens + 5 words; rows are heads, each a distribution over the positions
    assert result["labels"][:3] == ["<alpha>", "<beta>", "<gamma>"]
    assert result["labels"][3:] == ["b3", "good", "b7", ",", "b1"]
    assert result["attention"].shape == (3, 8)
    np.testing.assert_allclose(result["attention"].sum(1), 1.0, rtol=1e-5)
    out = tmp_path / "s.png"
    run_cli(["fairseq-mtl-attention", le_checkpoint, "--task", "beta", "--sentence",
             "b3 good b7", "--out", out])
    assert out.stat().st_size > 1000


def test_task_map(le_checkpoint, tmp_path):
    out = tmp_path / "map"
    run_cli(["fairseq-mtl-attention", le_checkpoint, "--task-map", "--out", out])
    result = json.load(open(str(out) + ".json"))
    m = np.array(result["matrix"])
    assert result["tasks"] == ["alpha", "beta", "gamma"] and m.shape == (3, 4)
    np.testing.assert_allclose(m.sum(1), 1.0, rtol=1e-4)  # task tokens + words = all attention
    assert (tmp_path / "map.png").stat().st_size > 1000
    assert "| beta |" in open(str(out) + ".md").read()


def test_bad_requests_get_clear_errors(le_checkpoint, tmp_path):
    proc = run_cli(["fairseq-mtl-attention", le_checkpoint, "--task", "delta", "--sentence",
                    "x", "--out", tmp_path / "x.png"], check=False)
    assert proc.returncode == 1 and "unknown task 'delta'" in proc.stderr and "alpha" in proc.stderr
