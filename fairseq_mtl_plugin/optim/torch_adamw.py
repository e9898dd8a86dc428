"""``--optimizer torch_adamw``: PyTorch's fused AdamW behind fairseq's optimizer interface.

fairseq's ``--optimizer adam`` is AdamW (decoupled weight decay) written as seven separate
tensor operations per parameter, plus a fresh ``sqrt`` buffer each step; it only fuses with apex
or fairseq's own CUDA extension, which the Python 3.11 wheels do not have. With vocabulary-sized
word embeddings the update then costs a quarter of a CPU training step. PyTorch's fused kernel
(``torch.optim.AdamW(fused=True)``, CPU and GPU) does the same update in one pass.

fairseq's trainer also makes two more passes over every gradient before the step: it multiplies
them by 1 / (sentences in the batch) (``multiply_grads``) and then by the clipping coefficient
(``clip_grad_norm``). With the fused kernel this optimizer keeps both factors as one number
instead and hands it to the kernel (its ``grad_scale``, the divisor PyTorch's AMP uses), which
scales each gradient as it reads it: the gradient norm is computed on the unscaled gradients
and multiplied by the pending factor, so ``gnorm`` and the clipping are fairseq's.

Parameters with an ``lr_scale`` attribute (set by ``--pretrained`` models: new parameters,
layer-wise decay) go into one parameter group per scale, trained at fairseq's scheduled learning
rate times their scale; the scheduler and the logged ``lr`` see the unscaled rate. (fairseq's
``--fp16`` copies parameters into new fp32 tensors without the attribute: use ``--bf16
--memory-efficient-bf16`` or fp32 with scales.)

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
        self._fused = all(p.is_floating_point() for p in params) and len(
            {p.device.type for p in params}) <= 1
        self._optimizer = torch.optim.AdamW(scale_groups(params, self.cfg.lr[0]),
                                            fused=self._fused, **self.optimizer_config)
        # the factor fairseq asked the gradients to be multiplied by, not applied yet
        # (fused kernel only; otherwise the gradients are multiplied when asked)
        self._pending = 1.0

    @property
    def optimizer_config(self):
        betas = self.cfg.adam_betas
        if isinstance(betas, str):
            betas = ast.literal_eval(betas)
        return {"lr": self.cfg.lr[0], "betas": tuple(betas), "eps": self.cfg.adam_eps,
                "weight_decay": self.cfg.weight_decay}

    def get_lr(self):
        return self.param_groups[0]["lr"] / self.param_groups[0]["lr_scale"]

    def set_lr(self, lr):
        for group in self.param_groups:
            group["lr"] = lr * group["lr_scale"]

    def _grads(self) -> List[torch.Tensor]:
        return [p.grad for p in self.params if p.grad is not None]

    def multiply_grads(self, c):
        if not self._fused or any(g.is_sparse for g in self._grads()):
            self._apply_pending()
            return super().multiply_grads(c)
        self._pending = self._pending * c

    def clip_grad_norm(self, max_norm, aggregate_norm_fn=None):
        """fairseq's ``clip_grad_norm_`` (the returned norm is what it logs as ``gnorm``) on the
        gradients as they would be after the pending factor; the clipping joins the factor."""
        grads = self._grads()
        if not self._fused or not grads or any(g.is_sparse for g in grads):
            self._apply_pending()
            return super().clip_grad_norm(max_norm, aggregate_norm_fn)
        norms = torch._foreach_norm(grads, 2)
        pending = torch.as_tensor(self._pending, dtype=torch.float32, device=grads[0].device)
        total_norm = torch.linalg.vector_norm(torch.stack(norms).float()) * pending.abs()
        if aggregate_norm_fn is not None:
            total_norm = aggregate_norm_fn(total_norm)
        if max_norm > 0:
            clip_coef = (float(max_norm) / (total_norm + 1e-6)).clamp_(max=1)
            self._pending = pending * clip_coef
        return total_norm

    def step(self, closure=None, scale=1.0, groups=None):
        if scale != 1.0:
            self.multiply_grads(1.0 / scale)
        if self._fused and self._has_pending():
            device = next(iter(self.params)).device
            # the kernel DIVIDES each gradient by grad_scale
            self._optimizer.grad_scale = (
                1.0 / torch.as_tensor(self._pending, dtype=torch.float32, device=device))
        try:
            self._optimizer.step(closure)
        finally:
            self._optimizer.grad_scale = None
            self._pending = 1.0

    def zero_grad(self):
        self._pending = 1.0
        super().zero_grad()

    def _has_pending(self) -> bool:
        """A factor not applied yet (a tensor, from fairseq's sentence count or the clipping)."""
        return not (isinstance(self._pending, float) and self._pending == 1.0)

    def _apply_pending(self) -> None:
        """Multiply the gradients by the pending factor now (paths the kernel does not take)."""
        if self._has_pending():
            super().multiply_grads(self._pending)
        self._pending = 1.0


def scale_groups(params: List[torch.Tensor], lr: float) -> List[dict]:
    """One parameter group per ``lr_scale`` (1 when a parameter has none), largest scale first,
    each with its scaled learning rate and the scale itself (for :meth:`TorchAdamW.set_lr`)."""
    groups: dict = {}
    for p in params:
        groups.setdefault(float(getattr(p, "lr_scale", 1.0)), []).append(p)
    return [{"params": ps, "lr": lr * scale, "lr_scale": scale}
            for scale, ps in sorted(groups.items(), key=lambda kv: -kv[0])]
