"""``--optimizer torch_adamw`` (PyTorch's fused AdamW) takes the same steps as fairseq's
``--optimizer adam`` (they differ only in where epsilon sits, so the test makes epsilon
negligible), and its state survives a resume."""
import torch

from conftest import run_cli, train_args


def _weights(path):
    state = torch.load(path, map_location="cpu")
    return state["model"], state


def _train(data_bin, save_dir, optimizer, updates, *extra):
    run_cli(train_args(data_bin, save_dir, "asp_lstm", "--max-update", str(updates),
                       "--disable-validation", "--weight-decay", "0.1",
                       # epsilon out of the way: the two differ only in where it sits
                       "--adam-eps", "1e-30",
                       # clipping on nearly every update: torch_adamw folds the clipping
                       # coefficient and fairseq's 1/sentences into the fused kernel's scale
                       "--clip-norm", "0.05",
                       "--adversarial-weight", "0.05", "--orthogonality-weight", "0.01",
                       *extra, "--optimizer", optimizer))


def test_fused_adamw_follows_fairseq_adam_and_resumes_exactly(data_bin, tmp_path):
    fairseq_adam, fused, resumed = (tmp_path / d for d in ("adam", "fused", "resumed"))
    _train(data_bin, fairseq_adam, "adam", 6)
    _train(data_bin, fused, "torch_adamw", 6)
    a, _ = _weights(fairseq_adam / "checkpoint_last.pt")
    b, state = _weights(fused / "checkpoint_last.pt")
    assert state["optimizer_history"][-1]["optimizer_name"] == "TorchAdamW"
    for name in a:
        # the same update up to rounding; a decay not applied, or applied to the gradient
        # (Adam's L2) instead of the weights, is >= 1e-4 off after 6 updates (measured: rounding
        # leaves <= 3e-7 on one machine, 1.09e-6 on another (2026-12-04, the same torch 2.13.0
        # CPU wheel); without the decay the nearest parameter is 1e-4 off)
        assert torch.allclose(a[name], b[name], rtol=0, atol=1e-5), name
    # 3 updates, stop, resume to 6: the optimizer state (moments, step) comes back
    _train(data_bin, resumed, "torch_adamw", 3)
    _train(data_bin, resumed, "torch_adamw", 6)
    c, _ = _weights(resumed / "checkpoint_last.pt")
    for name in b:
        assert torch.equal(b[name], c[name]), name
