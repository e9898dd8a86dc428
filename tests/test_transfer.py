"""Shared-knowledge transfer: extract the shared encoder, train new tasks on it frozen."""
import os

import pytest
import torch

from conftest import _Exploit, params, run_cli, run_main, train_args
from fairseq_mtl.transfer import cli_main as extract


@pytest.fixture(scope="module")
def source(data_bin, tmp_path_factory):
    """asp_lstm trained on alpha+beta (gamma left out), and its extracted shared encoder."""
    out = tmp_path_factory.mktemp("transfer-source")
    run_cli(train_args(data_bin, out, "asp_lstm", "--tasks", "alpha,beta", "--max-update", "20"))
    shared = out / "shared.pt"
    proc = run_main(extract, [out / "checkpoint_best.pt", "--out", shared])
    assert "lstm encoder, 8 units, from asp_lstm trained on 2 tasks" in proc.stdout
    return out, shared


def transfer_args(data_bin, save_dir, arch, shared, *extra):
    args = train_args(data_bin, save_dir, arch, "--tasks", "gamma", "--shared-encoder", shared,
                      *extra)
    i = args.index("--hidden-dim")
    return args[:i] + args[i + 2:]  # the new LSTM's size defaults to the shared one's


def test_extracted_file_is_standalone_and_exact(source):
    ckpt_dir, shared = source
    state = torch.load(shared, weights_only=True)  # plain containers and tensors only
    assert state["encoder"] == {"kind": "lstm", "input_dim": 6, "hidden_dim": 8}
    assert state["source"]["tasks"] == ["alpha", "beta"]
    weights = params(ckpt_dir / "checkpoint_best.pt", "scheme.")
    assert torch.equal(state["embedding"], weights["embed.weight"])
    for k, v in state["encoder_state"].items():
        assert torch.equal(v, weights[f"shared_encoder.{k}"]), k
    assert os.path.getsize(shared) < os.path.getsize(ckpt_dir / "checkpoint_best.pt")


@pytest.mark.parametrize("arch", ["transfer_sc", "transfer_bc"])
def test_frozen_weights_do_not_change_during_transfer_training(source, data_bin, tmp_path,
                                                               arch):
    _, shared = source
    state = torch.load(shared, weights_only=True)
    run_cli(transfer_args(data_bin, tmp_path, arch, shared, "--max-update", "12"))
    after = params(tmp_path / "checkpoint_last.pt", "scheme.")
    assert torch.equal(after["shared_embed.weight"], state["embedding"])
    for k, v in state["encoder_state"].items():
        assert torch.equal(after[f"shared_encoder.{k}"], v), k
    # ... while the task's own layers did train
    head = [k for k in after if k.startswith("heads.0.")]
    assert head and any("private_encoders" in k for k in after) == (arch == "transfer_bc")
    fresh = tmp_path / "fresh"
    run_cli(transfer_args(data_bin, fresh, arch, shared, "--max-update", "1"))
    before = params(fresh / "checkpoint_last.pt", "scheme.")
    assert any(not torch.equal(after[k], before[k]) for k in head)


def test_transfer_checkpoint_loads_without_the_shared_file(source, data_bin, tmp_path):
    from fairseq_mtl import MultiTaskClassifier

    _, shared = source
    copy = tmp_path / "shared-copy.pt"
    copy.write_bytes(shared.read_bytes())
    run_cli(transfer_args(data_bin, tmp_path, "transfer_bc", copy, "--max-update", "3"))
    expected = MultiTaskClassifier.from_checkpoint(str(tmp_path / "checkpoint_last.pt"),
                                                   device="cpu").predict("gamma", ["g1 good"])
    copy.unlink()
    got = MultiTaskClassifier.from_checkpoint(str(tmp_path / "checkpoint_last.pt"),
                                              device="cpu").predict("gamma", ["g1 good"])
    assert got[0].probabilities == expected[0].probabilities


def test_transfer_errors(source, data_bin, tmp_path):
    _, shared = source
    proc = run_cli(transfer_args(data_bin, tmp_path, "transfer_bc", tmp_path / "missing.pt",
                                 "--max-update", "1"), check=False)
    assert proc.returncode != 0 and "shared encoder file not found" in proc.stderr
    assert "Traceback" not in proc.stderr
    # a poisoned file goes through the one safe loader: one line, the refused global, and no
    # advice to load it in full
    poisoned = tmp_path / "poisoned.pt"
    torch.save({"format": "fairseq-mtl-shared-encoder/1", "x": _Exploit()}, poisoned)
    proc = run_cli(transfer_args(data_bin, tmp_path / "p", "transfer_bc", poisoned,
                                 "--max-update", "1"), check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "weights_only" not in proc.stderr
    assert (f"error: {poisoned}: cannot load shared encoder (refused by torch's safe loader: "
            f"unsupported GLOBAL posix.system") in proc.stderr
    run_cli(train_args(data_bin, tmp_path / "st", "st_lstm", "--max-update", "1"))
    proc = run_main(extract, [tmp_path / "st" / "checkpoint_last.pt",
                    "--out", tmp_path / "x.pt"], check=False)
    assert proc.returncode == 1 and "has no shared LSTM encoder" in proc.stderr
