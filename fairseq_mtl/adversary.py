"""How the task discriminator of ASP-MTL is trained: the schedules, and what they are for.

``joint`` (``--discriminator-steps 0``, the default): the paper's objective as one backward
pass. The discriminator sits behind a gradient reversal layer on the batch's shared vectors; it
learns from the same one-task batch and the same optimizer step as everything else. Measured
here (thesis_results/adversary_synthetic.md, docs/adversary.md): its dev accuracy ends at
chance, and a task probe finds the task in the ASP-MTL shared layer MORE easily than in
SP-MTL's (maximising the discriminator's loss is won by moving each task to where the
discriminator expects another one). It stays the default so that the earlier results and
recipes reproduce, because it is what the paper describes, and because no other schedule
measurably did better.

``critic`` (``--discriminator-steps K`` > 0), after MAN (Chen & Cardie, NAACL 2018, their
released ``train_man_exp3.py``): before every model update the discriminator alone takes K
steps with its OWN Adam optimizer (``--discriminator-lr``) on a batch that mixes all tasks
(``--discriminator-sentences`` per task, drawn at random from the training sentences, and from
the unlabeled ones too with ``--unlabeled``, as MAN and paper Sec. 4.2 do), the encoder frozen.
The model update then trains the encoder against the fixed discriminator through the gradient
reversal layer (-lambda times the discriminator loss), and the discriminator's weights are out
of the model optimizer. MAN: K = 5, lambda 0.05, Adam 1e-4 for both, 8 sentences per domain, a
fresh batch for each of the K steps (here one batch per update is encoded once and the K steps
reuse it: the discriminator is linear, the encoder pass is what costs), and 100 steps at the
start and every 500 iterations (not done here).

``--adversarial-ramp dann`` (either schedule): lambda_p = lambda * (2 / (1 + exp(-10 p)) - 1)
over training progress p in [0, 1] (Ganin & Lempitsky, ICML 2015, Sec. 5.1): no reversal at
the start, when the discriminator knows nothing, the full lambda at the end.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from fairseq_mtl.data.batching import length_sorted_chunks, pad_tokens

RAMPS = ("none", "dann")


def ramp_factor(kind: str, progress: float) -> float:
    """The multiplier of lambda at training progress ``progress`` (clipped to [0, 1])."""
    if kind == "none":
        return 1.0
    if kind == "dann":
        p = min(max(progress, 0.0), 1.0)
        return 2.0 / (1.0 + math.exp(-10.0 * p)) - 1.0
    raise ValueError(f"--adversarial-ramp must be one of {RAMPS}, got {kind!r}")


class DiscriminatorTrainer:
    """The ``critic`` schedule: K steps of the discriminator alone on mixed-task batches.

    ``pools[k]``: the indices (into the training :class:`MultiTaskDataset`) of task k's
    sentences the discriminator may see. The discriminator's parameters are frozen for the
    model optimizer (``requires_grad`` False, set by :meth:`freeze`); here they are unfrozen for
    the duration of the steps."""

    def __init__(self, discriminator: torch.nn.Module, steps: int, lr: float,
                 sentences_per_task: int, chunk: int = 64):
        if steps < 1 or sentences_per_task < 1:
            raise ValueError("the critic schedule needs --discriminator-steps >= 1 and "
                             "--discriminator-sentences >= 1")
        self.discriminator = discriminator
        self.steps = steps
        self.sentences_per_task = sentences_per_task
        self.chunk = chunk
        self.params = list(discriminator.parameters())
        self.optimizer = torch.optim.Adam(self.params, lr=lr)
        discriminator.statistics_from_batches = False  # from the mixed batches only
        self.freeze()

    def freeze(self) -> None:
        for p in self.params:
            p.requires_grad_(False)

    def draw(self, pools: Sequence[np.ndarray], rng: np.random.RandomState) -> List[np.ndarray]:
        """``sentences_per_task`` indices of every task (with replacement only where a task
        has fewer)."""
        return [pool[rng.choice(len(pool), self.sentences_per_task,
                                replace=len(pool) < self.sentences_per_task)]
                for pool in pools]

    @torch.no_grad()
    def shared_vectors(self, scheme, dataset, drawn: Sequence[np.ndarray], pad: int):
        """-> (shared vectors N x D, task ids N) of the drawn sentences, encoder frozen (no
        gradient), length-sorted chunks; one chunk per task where the shared vector reads the
        task (task tokens), mixed chunks where it does not."""
        items = [(k, int(i)) for k, idx in enumerate(drawn) for i in idx]
        tokens = [dataset[i]["source"] for _, i in items]
        groups = ([list(range(len(items)))] if not scheme.shared_reads_task else
                  [[j for j, (k, _) in enumerate(items) if k == t] for t in range(len(drawn))])
        device = next(self.discriminator.parameters()).device
        vectors = [None] * len(items)
        for group in groups:
            for chunk in length_sorted_chunks([len(tokens[j]) for j in group], self.chunk):
                rows = [group[c] for c in chunk]
                src, lengths = pad_tokens([tokens[j] for j in rows], pad)
                shared = scheme.encode_shared(src.to(device), lengths.to(device),
                                              items[rows[0]][0])
                for r, j in enumerate(rows):
                    vectors[j] = shared[r]
        targets = torch.tensor([k for k, _ in items], dtype=torch.long, device=device)
        return torch.stack(vectors).float(), targets

    def step(self, scheme, dataset, pools, pad: int, rng) -> Dict[str, float]:
        """Encode one mixed batch, then K optimizer steps of the discriminator on it. Returns
        the discriminator's accuracy on the batch BEFORE its steps (how well it recognises the
        tasks in vectors it has not trained on) and its mean loss over the steps."""
        vectors, targets = self.shared_vectors(scheme, dataset, self.draw(pools, rng), pad)
        self.discriminator.update_statistics(vectors)
        correct, total_loss = 0, 0.0
        for p in self.params:
            p.requires_grad_(True)
        try:
            with torch.enable_grad():
                for s in range(self.steps):
                    self.optimizer.zero_grad(set_to_none=True)
                    logits = self.discriminator.logits(vectors)  # behind no reversal: D only
                    loss = F.cross_entropy(logits, targets)
                    if s == 0:
                        correct = int((logits.argmax(-1) == targets).sum())
                    loss.backward()
                    all_reduce_mean([p.grad for p in self.params])
                    self.optimizer.step()
                    total_loss += float(loss.detach())
        finally:
            self.optimizer.zero_grad(set_to_none=True)
            self.freeze()
        return {"correct": correct, "n": int(targets.numel()),
                "loss": total_loss / self.steps}

    def state_dict(self) -> Dict:
        return self.optimizer.state_dict()

    def load_state_dict(self, state: Optional[Dict]) -> None:
        if state:
            self.optimizer.load_state_dict(state)

    def attach(self) -> None:
        """Make the critic's Adam moments part of the model's state dict (the discriminator's
        ``critic._extra_state``), so that they are saved in every checkpoint and come back when
        fairseq-train resumes: the trainer restores the model's state dict, not the task's."""
        self.discriminator.critic = CriticState(self)


class CriticState(torch.nn.Module):
    """The critic's optimizer state as a module's extra state (no parameters of its own)."""

    def __init__(self, trainer: DiscriminatorTrainer):
        super().__init__()
        self.trainer = trainer  # a plain attribute: the trainer is not a module

    def get_extra_state(self) -> Dict:
        return self.trainer.state_dict()

    def set_extra_state(self, state: Optional[Dict]) -> None:
        self.trainer.load_state_dict(state)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # a checkpoint from before the moments were saved here: they start from zero
        state_dict.setdefault(prefix + "_extra_state", None)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def unwrap(model):
    """The model under fairseq's data-parallel wrappers (ModuleProxyWrapper around
    DistributedDataParallel around the model: each holds the next as ``.module``)."""
    while hasattr(model, "module") and not hasattr(model, "scheme"):
        model = model.module
    return model


def all_reduce_mean(grads: List[Optional[torch.Tensor]]) -> None:
    """Average the discriminator's gradients over data-parallel workers (each worker drew its
    own mixed batch), so every worker takes the same step; no-op in a single process."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return
    for g in grads:
        if g is not None:
            dist.all_reduce(g)
            g.div_(dist.get_world_size())
