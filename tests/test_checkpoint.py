"""Checkpoints under torch >= 2.6: resume (mid-epoch too) and safe loading."""
import os
import pickle

import pytest
import torch

from conftest import _Exploit, assert_same, params, run_cli, train_args


@pytest.mark.parametrize("arch, stop_at, total", [
    ("asp_lstm", 5, 10), ("asp_lstm", 20, 35),  # mid-epoch; across an epoch end
    ("layerwise_explicit_transformer", 5, 10),
])
def test_resume_reproduces_uninterrupted_training(data_bin, tmp_path, arch, stop_at, total):
    """A run stopped after `stop_at` updates and resumed from checkpoint_last.pt ends with the
    same weights as a run that was never interrupted (the epoch has 29 batches)."""
    extra = ["--unlabeled"] + (["--adversarial-weight", "0.05"] if "transformer" in arch else [])
    straight = tmp_path / "straight"
    run_cli(train_args(data_bin, straight, arch, "--max-update", total, *extra))
    resumed = tmp_path / "resumed"
    run_cli(train_args(data_bin, resumed, arch, "--max-update", stop_at, *extra))
    proc = run_cli(train_args(data_bin, resumed, arch, "--max-update", total, *extra))
    assert f"Loaded checkpoint {resumed}/checkpoint_last.pt" in proc.stdout + proc.stderr
    assert_same(params(straight / "checkpoint_last.pt"), params(resumed / "checkpoint_last.pt"))


def test_checkpoints_need_nothing_outside_the_allowlist(data_bin, tmp_path):
    from fairseq_mtl_plugin.patches import checkpoint_allowlist

    run_cli(train_args(data_bin, tmp_path, "asp_lstm", "--max-update", "3",
                       "--best-checkpoint-metric", "loss", "--no-maximize-best-checkpoint-metric"
                       if False else "--save-interval-updates", "2"))
    allowed = {f"{c.__module__}.{c.__qualname__}" for c in checkpoint_allowlist()}
    for name in os.listdir(tmp_path):
        if name.endswith(".pt"):
            unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(tmp_path / name)
            assert set(unsafe) <= allowed, (name, unsafe)


def test_a_pickle_that_runs_code_is_refused(tmp_path):
    from fairseq_mtl.checkpoint import load_checkpoint

    bad = tmp_path / "evil.pt"
    torch.save({"model": {}, "cfg": _Exploit()}, bad, pickle_protocol=2)
    if os.path.exists("/tmp/fairseq_mtl_pwned"):
        os.remove("/tmp/fairseq_mtl_pwned")
    with pytest.raises(RuntimeError, match="cannot load checkpoint"):
        load_checkpoint(str(bad))
    assert not os.path.exists("/tmp/fairseq_mtl_pwned")
    # safe loading is still the default for any torch.load in this process
    with pytest.raises(pickle.UnpicklingError):
        torch.load(bad)


def test_a_plain_pickle_is_refused_with_the_reason(tmp_path):
    """Not torch's "Please file an issue ... weights_only=True compatible" advice: the file is a
    plain pickle, which the safe loader does not run."""
    from fairseq_mtl.checkpoint import CheckpointLoadError, load_checkpoint

    plain = tmp_path / "plain.pt"
    with open(plain, "wb") as f:
        pickle.dump({"model": {}, "cfg": None}, f, protocol=4)
    with pytest.raises(CheckpointLoadError) as caught:
        load_checkpoint(str(plain))
    assert str(caught.value) == (
        f"{plain}: cannot load checkpoint (a plain Python pickle (protocol 4), not a file written "
        f"by torch.save; fairseq-mtl reads such files only through torch's safe loader, which "
        f"does not run pickles)")


def test_checkpoint_from_before_newer_options_still_loads(data_bin, tmp_path):
    """A checkpoint written before an option existed gets the option's default (and the old
    ``pretrained_embeddings`` flag is carried over to ``no_pretrained_embeddings``)."""
    from fairseq_mtl.checkpoint import load_checkpoint

    run_cli(train_args(data_bin, tmp_path, "fs_lstm", "--max-update", "2"))
    state = torch.load(tmp_path / "checkpoint_last.pt")
    for key in ("embed_lr_scale", "head_hidden_dim", "no_pretrained_embeddings"):
        del state["cfg"]["model"][key]  # fairseq stores the config as plain dicts
    state["cfg"]["model"]["pretrained_embeddings"] = False
    old = tmp_path / "old.pt"
    torch.save(state, old)
    model, _, _ = load_checkpoint(str(old))
    assert model.cfg.embed_lr_scale == 1.0 and model.cfg.no_pretrained_embeddings
    assert_same(params(old), {k: v for k, v in model.state_dict().items()})


def test_truncated_checkpoint_is_a_clear_error(data_bin, tmp_path):
    from fairseq_mtl.checkpoint import load_checkpoint

    run_cli(train_args(data_bin, tmp_path, "fs_lstm", "--max-update", "2"))
    data = open(tmp_path / "checkpoint_last.pt", "rb").read()
    broken = tmp_path / "broken.pt"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="broken.pt: cannot load checkpoint"):
        load_checkpoint(str(broken))


def test_single_task_models_trained_together_equal_separate_training(data_bin, tmp_path):
    """st_lstm over alpha+beta for one epoch == st_lstm over beta alone for one epoch, for
    beta's parameters (dropout 0, no clipping, constant lr)."""
    together, alone = tmp_path / "together", tmp_path / "alone"
    run_cli(train_args(data_bin, together, "st_lstm", "--max-epoch", "1",
                       "--tasks", "alpha,beta"))
    run_cli(train_args(data_bin, alone, "st_lstm", "--max-epoch", "1", "--tasks", "beta"))
    beta_together = {}
    for k, v in params(together / "checkpoint_last.pt").items():
        for group in ("embeddings", "encoders", "heads"):
            if k.startswith(f"scheme.{group}.1."):
                beta_together[k.replace(f".{group}.1.", f".{group}.0.")] = v
    assert_same(beta_together, params(alone / "checkpoint_last.pt"))
