"""``--bf16`` trains in bfloat16 on the device at hand. fairseq 0.12 reads the flag as "on a TPU"
and asks torch_xla for the device; fairseq-mtl undoes that where torch_xla is absent
(fairseq_mtl_plugin/patches.py)."""
import math
import re

import pytest
import torch

from conftest import run_cli, train_args


@pytest.mark.parametrize("arch", ["asp_lstm", "layerwise_explicit_transformer"])
def test_bf16_trains_without_a_tpu_and_its_checkpoint_evaluates(data_bin, tmp_path, arch):
    proc = run_cli(train_args(data_bin, tmp_path, arch, "--max-update", "3", "--bf16", "--cpu",
                              "--adversarial-weight", "0.05", "--disable-validation"))
    log = proc.stdout + proc.stderr
    assert "training in bfloat16 on CPU" in log
    losses = [float(x) for x in re.findall(r"train_inner .*? loss=([0-9.e+-]+|nan|inf)", log)]
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses), losses
    state = torch.load(tmp_path / "checkpoint_last.pt", map_location="cpu")
    # bfloat16 weights with fp32 master copies (fairseq stores the weights as fp32 on save)
    assert state["optimizer_history"][-1]["optimizer_name"] == "FP16Optimizer"
    assert state["cfg"]["common"]["tpu"] is False
    out = tmp_path / "eval"
    run_cli(["fairseq-mtl-evaluate", tmp_path / "checkpoint_last.pt", "--split", "valid",
             "--out", out])
    assert (tmp_path / "eval.json").exists()


def test_fp16_without_a_gpu_stops_in_one_line(data_bin, tmp_path):
    """fairseq would end in a traceback from torch's CUDA initialisation."""
    proc = run_cli(train_args(data_bin, tmp_path, "sp_lstm", "--max-update", "1", "--fp16",
                              "--cpu"), check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert ("error: --fp16 trains in float16 on a CUDA GPU, and --cpu is given: drop it, or "
            "use --bf16") in proc.stderr


@pytest.mark.fast
def test_bf16_says_cpu_where_no_gpu_is_visible_without_cpu_given(monkeypatch, caplog):
    from omegaconf import OmegaConf

    from fairseq_mtl_plugin import patches

    monkeypatch.setattr(patches, "xla_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    cfg = OmegaConf.create({"common": {"bf16": True, "tpu": True, "cpu": False}})
    with caplog.at_level("INFO", logger="fairseq_mtl_plugin.patches"):
        patches.bf16_without_xla(cfg)
    assert "training in bfloat16 on CPU, not on a TPU" in caplog.text
    assert cfg.common.tpu is False
