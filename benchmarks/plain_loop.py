"""The lower bound on framework overhead: the SAME model, data and batches as ``fairseq-train``,
trained by the shortest PyTorch loop that does the same arithmetic.

    python benchmarks/plain_loop.py DATA --user-dir user_dir --arch asp_lstm [fairseq-train
        options ...] --max-update 300 --log-interval 50

It takes fairseq-train's own options, so that one argument list builds both: the task loads the
prepared data and builds the model and the batch order exactly as in training; from there on no
fairseq code runs. Each step: forward on one single-task batch, the criterion's objective (cross
entropy, plus the adversarial task loss and gamma x the orthogonality loss where the model has
them, divided by the batch's sentences as fairseq's trainer does), backward, gradient clipping
when --clip-norm is set, the optimizer step (``build_optimizer``). No learning-rate schedule
(it costs nothing per step), no metrics beyond the timing, no checkpoints.

Every --log-interval updates it prints one line in the layout of fairseq's ``train_inner`` lines
(``ups=``, ``wps=``, ``bsz=``, ``num_updates=``) so that one parser reads both (see
``benchmarks/throughput_table.py``).
"""

import ast
import sys

import torch
import torch.nn.functional as F

from fairseq_mtl.losses import adversarial_loss, orthogonality_loss
from loop_common import IntervalLog, epoch_batches, setup


def objective(model, sample, criterion_cfg) -> torch.Tensor:
    """The criterion's training loss for one batch (sum over its sentences)."""
    out = model(**sample["net_input"])
    task_id = sample["task_id"]
    loss = F.cross_entropy(out["logits"].float(), sample["target"], reduction="sum")
    if "task_logits" in out:
        loss = loss + adversarial_loss(out["task_logits"].float(), task_id)
    gamma = getattr(criterion_cfg, "orthogonality_weight", None) or 0.0  # None: no gamma
    if gamma > 0 and "private" in out:
        raw = getattr(criterion_cfg, "raw_orthogonality", False)
        diff = orthogonality_loss(out["shared"].float(), out["private"].float(), normalize=not raw)
        loss = loss + gamma * diff * sample["target"].numel()
    return loss


def build_optimizer(cfg, params) -> torch.optim.Optimizer:
    """PyTorch's fastest form of the update fairseq-train makes: for ``--optimizer adam``
    (fairseq's AdamW-style Adam, unfused) the multi-tensor ``foreach`` Adam, for
    ``--optimizer torch_adamw`` the fused AdamW that one wraps. (PyTorch's default on CPU is
    the per-tensor loop, slower than fairseq's; it would flatter fairseq.)"""
    name = cfg.optimizer._name
    if name not in ("adam", "torch_adamw"):
        sys.exit(f"the plain loop knows --optimizer adam and torch_adamw, not {name}")
    kwargs = dict(lr=cfg.optimization.lr[0],
                  betas=tuple(ast.literal_eval(str(cfg.optimizer.adam_betas))),
                  eps=cfg.optimizer.adam_eps, weight_decay=cfg.optimizer.weight_decay)
    if name == "torch_adamw":
        return torch.optim.AdamW(params, fused=True, **kwargs)
    # fairseq's adam decays weights the AdamW way (decoupled)
    return torch.optim.AdamW(params, foreach=True, **kwargs)


def main(argv) -> None:
    cfg, task = setup(argv)
    model = task.build_model(cfg.model)
    device = torch.device("cuda" if torch.cuda.is_available() and not cfg.common.cpu else "cpu")
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = build_optimizer(cfg, params)
    clip = cfg.optimization.clip_norm
    max_update, interval = cfg.optimization.max_update, cfg.common.log_interval
    if max_update <= 0:
        sys.exit("give --max-update: the plain loop runs a fixed number of updates")

    update, epoch = 0, 1
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    log = IntervalLog("plain_loop", interval, sync)
    while update < max_update:
        for sample in epoch_batches(task, cfg, epoch):
            if device.type == "cuda":
                sample = _to(sample, device)
            optimizer.zero_grad(set_to_none=True)
            n = sample["target"].numel()
            loss = objective(model, sample, cfg.criterion)
            (loss / n).backward()
            if clip > 0:
                torch.nn.utils.clip_grad_norm_(params, clip)
            optimizer.step()
            update += 1
            log.add(update, epoch, n, int(sample["ntokens"]), float(loss.detach()))
            if update >= max_update:
                break
        epoch += 1
    print(f"plain_loop | done training, {update} updates", flush=True)


def _to(sample, device):
    if torch.is_tensor(sample):
        return sample.to(device, non_blocking=True)
    if isinstance(sample, dict):
        return {k: _to(v, device) for k, v in sample.items()}
    return sample


if __name__ == "__main__":
    main(sys.argv[1:])
