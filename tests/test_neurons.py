"""Paper Fig. 5 and Table 4 analyses on trained checkpoints of the tiny data."""
import json

import numpy as np
import pytest
import torch

from conftest import run_cli, run_main, train_args
from fairseq_mtl_tools.neurons import cli_main as neurons


@pytest.fixture(scope="module")
def models(data_bin, tmp_path_factory):
    out = {}
    for arch in ("sp_lstm", "asp_lstm"):
        d = tmp_path_factory.mktemp(arch)
        run_cli(train_args(data_bin, d, arch, "--max-update", "30"))
        out[arch] = str(d / "checkpoint_best.pt")
    return out


def test_score_after_the_last_word_is_the_prediction(models):
    from fairseq_mtl import MultiTaskClassifier
    from fairseq_mtl_tools.neurons import NeuronProbe

    sentence = "a1 a2 good a3 bad a4"
    probe = NeuronProbe.load(f"ASP={models['asp_lstm']}")
    result = probe.scores(sentence, "alpha")
    assert result["words"] == sentence.split() and len(result["scores"]) == 6
    full, = MultiTaskClassifier.from_checkpoint(models["asp_lstm"], device="cpu").predict(
        "alpha", [sentence])
    assert abs(result["scores"][-1] - full.probabilities["1"]) < 1e-5
    # and after word t it is the prediction for the first t words
    prefix, = MultiTaskClassifier.from_checkpoint(models["asp_lstm"], device="cpu").predict(
        "alpha", ["a1 a2 good"])
    assert abs(result["scores"][2] - prefix.probabilities["1"]) < 1e-5


def test_trajectory_and_heatmap_pictures(models, tmp_path):
    for what in ("trajectory", "heatmap"):
        out = tmp_path / f"{what}.png"
        proc = run_main(neurons, [what, "--model", f"SP-MTL={models['sp_lstm']}",
                        "--model", f"ASP-MTL={models['asp_lstm']}", "--task", "beta",
                        "--sentence", "B1 good, b2 b3!", "--out", out])
        assert out.stat().st_size > 1000
    assert "neurons: SP-MTL shared h" in proc.stdout
    proc = run_main(neurons, ["heatmap", "--model", models["sp_lstm"], "--task",
                    "beta", "--sentence", "b1 good", "--neuron", "private:99", "--out",
                    tmp_path / "x.png"], check=False)
    assert proc.returncode == 1 and "the private layer has 8 neurons" in proc.stderr


def test_patterns_are_each_neurons_peak_word(models, tmp_path, data_bin):
    from fairseq_mtl_tools.neurons import NeuronProbe, layer_patterns

    probe = NeuronProbe.load(models["sp_lstm"])
    result = layer_patterns(probe, "gamma", "valid", top=100)
    assert sum(p["neurons"] for p in result["shared"]) == result["shared_neurons"] == 8
    assert sum(p["neurons"] for p in result["private"]) == 8
    # brute force, one sentence at a time: each neuron's peak word
    data = probe.task.dataset("valid").labeled[2]
    d = probe.task.source_dictionary
    peaks = [(-np.inf, None)] * 8
    for i in range(len(data)):
        tokens = data[i][0].unsqueeze(0)
        shared, _ = probe.states(tokens, torch.tensor([tokens.size(1)]), 2)
        for j in range(8):
            t = int(shared[0, :, j].argmax())
            if shared[0, t, j] > peaks[j][0]:
                peaks[j] = (float(shared[0, t, j]), d[int(tokens[0, t])])
    expected = {}
    for _, w in peaks:
        expected[w] = expected.get(w, 0) + 1
    assert {p["pattern"]: p["neurons"] for p in result["shared"]} == expected

    out = tmp_path / "table4"
    run_main(neurons, ["patterns", "--model", f"SP-MTL={models['sp_lstm']}",
             "--model", f"ASP-MTL={models['asp_lstm']}", "--tasks", "alpha,gamma",
             "--out", out])
    rows = json.load(open(f"{out}.json"))
    assert [(r["model"], r["task"]) for r in rows] == [
        ("SP-MTL", "alpha"), ("SP-MTL", "gamma"), ("ASP-MTL", "alpha"), ("ASP-MTL", "gamma")]
    assert "| ASP-MTL | gamma |" in open(f"{out}.md").read()
