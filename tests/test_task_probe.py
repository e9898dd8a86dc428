"""The task probe on frozen shared encoders, with encoder files whose answer is known: word
vectors that give the task away, and LSTMs that either pass that on or output a constant."""
import json
import os
import re

import torch
from fairseq.data import Dictionary

from conftest import run_main
from fairseq_mtl.modules.lstm_encoder import build_lstm_encoder
from fairseq_mtl.transfer import FORMAT
from fairseq_mtl_tools.task_probe import cli_main as probe

EMBED, HIDDEN = 6, 8


def write_encoder(path, data_bin, informative: bool):
    """alpha words (a0..a29) get +1 in vector dim 0, beta words -1, all else 0. The informative
    LSTM feeds dim 0 into its cell input; the other has every weight and bias zero, so its
    sentence vector is 0 for every sentence."""
    symbols = Dictionary.load(os.path.join(data_bin, "dict.txt")).symbols
    vectors = torch.zeros(len(symbols), EMBED)
    for i, w in enumerate(symbols):
        if re.fullmatch(r"a\d+", w):
            vectors[i, 0] = 1.0
        elif re.fullmatch(r"b\d+", w):
            vectors[i, 0] = -1.0
    encoder = build_lstm_encoder("lstm", EMBED, HIDDEN)
    state = {k: torch.zeros_like(v) for k, v in encoder.state_dict().items()}
    if informative:  # gate order i, f, g, o: g (rows 2H..3H) reads dim 0
        state["lstm.weight_ih_l0"][2 * HIDDEN:3 * HIDDEN, 0] = 5.0
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save({"format": FORMAT, "encoder": {"kind": "lstm", "input_dim": EMBED,
                                              "hidden_dim": HIDDEN},
                "embedding": vectors, "encoder_state": state, "dictionary": list(symbols),
                "padding_idx": 1, "source": {"checkpoint": "none", "sha256": "", "arch":
                                             "sp_lstm" if informative else "asp_lstm",
                                             "tasks": ["alpha", "beta"], "seed": 1}}, path)


def test_probe_finds_the_task_where_the_features_carry_it(data_bin, tmp_path):
    assert sorted(build_lstm_encoder("lstm", EMBED, HIDDEN).state_dict()) == [
        "lstm.bias_hh_l0", "lstm.bias_ih_l0", "lstm.weight_hh_l0", "lstm.weight_ih_l0"]
    for source, informative in (("sp_lstm", True), ("asp_lstm", False)):
        write_encoder(str(tmp_path / source / "gamma" / "shared.pt"), data_bin, informative)
    out = tmp_path / "probe"
    result = run_main(probe, ["--pairs", str(tmp_path / "{source}" / "*" / "shared.pt"),
                              "--encoder", f"constant={tmp_path / 'asp_lstm/gamma/shared.pt'}",
                              "--data", data_bin, "--out", out])
    text = (tmp_path / "probe.md").read_text()
    # two tasks, balanced dev sets: chance 50; the constant encoder's probe can only guess
    assert "| constant | asp_lstm | 2 | 50.0 | 100.0 | 50.0 |" in text
    assert "| gamma | 2 | 50.0 | 100.0 / 100.0 | 100.0 | 50.0 | -50.0 |" in text
    assert "ASP-MTL lower on 1 of 1" not in text  # one pair: no interval line
    dump = json.loads((tmp_path / "probe.json").read_text())
    pair = dump["pairs"][0]
    assert pair["pair"] == "gamma" and pair["sp"]["n_eval"] == 16
    assert pair["sp"]["n_fit"] == sum(n - 8 for n in (60, 44))  # train lines less the dev 8
    assert "gamma: SP-MTL 100.0, ASP-MTL 50.0" in result.stdout


def test_probe_errors_name_what_is_wrong(data_bin, tmp_path):
    result = run_main(probe, ["--pairs", str(tmp_path / "*.pt"), "--data", data_bin,
                              "--out", tmp_path / "p"], check=False)
    assert result.returncode == 1 and "needs a '{source}' placeholder" in result.stderr
    result = run_main(probe, ["--pairs", str(tmp_path / "{source}" / "x.pt"), "--data",
                              data_bin, "--out", tmp_path / "p"], check=False)
    assert result.returncode == 1 and "no sp_lstm file with an asp_lstm twin" in result.stderr
    (tmp_path / "bad.pt").write_text("not a checkpoint")
    result = run_main(probe, ["--encoder", f"x={tmp_path / 'bad.pt'}", "--data", data_bin,
                              "--out", tmp_path / "p"], check=False)
    assert result.returncode == 1 and "bad.pt: cannot load shared encoder" in result.stderr
