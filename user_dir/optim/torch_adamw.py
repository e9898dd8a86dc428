"""``--optimizer torch_adamw``: PyTorch's fused AdamW behind fairseq's optimizer interface.

fairseq's ``--optimizer adam`` is AdamW (decoupled weight decay) written as seven separate
tensor operations per parameter, plus a fresh ``sqrt`` buffer each step; it only fuses with apex
or fairseq's own CUDA extension, which the Python 3.11 wheels do not have. With vocabulary-sized
word embeddings the update then costs a quarter of a CPU training step. PyTorch's fused kernel
(``torch.optim.AdamW(fused=True)``, CPU and GPU) does the same update in one pass.

The arithmetic is fairseq's Adam except where epsilon sits: fairseq divides by
``sqrt(v) + eps``, PyTorch by ``sqrt(v) / sqrt(1 - beta2^t) + eps``, i.e. fairseq's update with
epsilon scaled by ``sqrt(1 - beta2^t) <= 1``. Options have fairseq's names (``--adam-betas``,
``--adam-eps``, ``--weight-decay``), so a recipe switches by changing the optimizer name only.
"""
import ast
from dataclasses import dataclass, field
from typing import Any, List

import torch
from fairseq.dataclass import FairseqDataclass
from fairseq.optim import FairseqOptimizer, register_optimizer
from omegaconf import II


@dataclass
class TorchAdamWConfig(FairseqDataclass):
    adam_betas: Any = field(default=(0.9, 0.999), metadata={"help": "betas for Adam"})
    adam_eps: float = field(default=1e-8, metadata={"help": "epsilon for Adam"})
    weight_decay: float = field(default=0.0, metadata={"help": "decoupled weight decay"})
    lr: List[float] = II("optimization.lr")


@register_optimizer("torch_adamw", dataclass=TorchAdamWConfig)
class TorchAdamW(FairseqOptimizer):
    def __init__(self, cfg: TorchAdamWConfig, params):
        super().__init__(cfg)
        params = list(params)
        # the fused kernel wants every parameter on one device type with a float dtype
        fused = all(p.is_floating_point() for p in params) and len(
            {p.device.type for p in params}) <= 1
        self._optimizer = torch.optim.AdamW(params, fused=fused, **self.optimizer_config)

    @property
    def optimizer_config(self):
        betas = self.cfg.adam_betas
        if isinstance(betas, str):
            betas = ast.literal_eval(betas)
        return {"lr": self.cfg.lr[0], "betas": tuple(betas), "eps": self.cfg.adam_eps,
                "weight_decay": self.cfg.weight_decay}
