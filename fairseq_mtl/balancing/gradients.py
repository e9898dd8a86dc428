"""The bookkeeping of gradient combination: one update = one batch of every task (the
``all_tasks`` sampler, ``--update-freq K``); after each task's backward pass its gradient is
taken out of the parameters (so the next task's starts from zero), and after the K-th the
combined gradient is written back.

Which parameters are combined: those that two or more of the update's tasks reached (the shared
encoder, shared embeddings); a parameter one task alone reached (its head, its private encoder)
gets that gradient, exactly as under equal weighting. The method sees each task's MEAN gradient
(its summed gradient over its n_k sentences, divided by n_k) and returns a direction on that
scale; it is written back times the update's sentences, because fairseq then divides every
gradient by them (with equal batch sizes, the ``Mean`` of the rows is equal weighting's update).

Logged on the update's last batch: ``grad_cos_min`` and ``grad_cos_mean`` (the tasks' pairwise
cosines on the shared parameters: how much they conflict), per task ``{task}/grad_cos`` (its
cosine with the combined direction; >= 0: the update does not raise its loss to first order).
"""
from __future__ import annotations

from typing import Dict, List, Optional

import torch

from fairseq_mtl.balancing.base import BalancingError


class OneUpdateError(BalancingError):
    """An update that does not hold exactly one batch of every task."""


class GradientSplitter:
    def __init__(self, balancing, task_names: List[str]):
        self.balancing = balancing
        self.task_names = list(task_names)
        self.update: Optional[int] = None
        self.rows: Dict[int, List[Optional[torch.Tensor]]] = {}
        self.sizes: Dict[int, int] = {}
        self.combined: Optional[int] = None  # the last update whose tasks were combined

    def after_batch(self, params: List[torch.nn.Parameter], task_id: int, n: int,
                    update_num: int) -> Dict[str, float]:
        """Called after task ``task_id``'s backward pass in update ``update_num``."""
        K = len(self.task_names)
        if update_num == self.combined:  # the update's K tasks were combined: one batch more
            raise OneUpdateError(
                f"update {update_num + 1} holds more than one batch of each task: "
                f"--task-balancing {self.balancing.name} needs one batch of every task per "
                f"update (--sampler all_tasks --update-freq {K}, the number of tasks)")
        if self.update != update_num:
            if self.rows:
                raise self._incomplete()
            self.update = update_num
        if task_id in self.rows:
            raise OneUpdateError(
                f"update {update_num + 1} holds two batches of task "
                f"{self.task_names[task_id]!r}: --task-balancing "
                f"{self.balancing.name} needs one batch of every task per update "
                f"(--sampler all_tasks --update-freq {K})")
        self.rows[task_id] = [p.grad for p in params]
        self.sizes[task_id] = n
        for p in params:
            p.grad = None
        if len(self.rows) < K:
            return {}
        logs = self._combine(params)
        self.rows, self.sizes, self.update, self.combined = {}, {}, None, update_num
        return logs

    def _incomplete(self) -> OneUpdateError:
        K = len(self.task_names)
        seen = ", ".join(self.task_names[k] for k in sorted(self.rows))
        return OneUpdateError(
            f"update {self.update + 1} held batches of {len(self.rows)} of the {K} tasks "
            f"({seen}): --task-balancing {self.balancing.name} combines every task's gradient "
            f"in each update: train with --sampler all_tasks --update-freq {K}")

    def check_finished(self) -> None:
        """At the end of an epoch: no update left half-collected."""
        if self.rows:
            raise self._incomplete()

    @torch.no_grad()
    def _combine(self, params) -> Dict[str, float]:
        tasks = sorted(self.rows)
        total = sum(self.sizes.values())
        shared: List[int] = []
        for i, p in enumerate(params):
            reached = [k for k in tasks if self.rows[k][i] is not None]
            if len(reached) >= 2:
                shared.append(i)
            elif reached:
                p.grad = self.rows[reached[0]][i]
        if not shared:
            return {}
        G = torch.stack([
            torch.cat([(self.rows[k][i] if self.rows[k][i] is not None else
                        torch.zeros_like(params[i])).reshape(-1).float() / self.sizes[k]
                       for i in shared]) for k in tasks])  # K x P: mean gradients
        d = self.balancing.combine(G)
        offset = 0
        for i in shared:
            n = params[i].numel()
            params[i].grad = (d[offset: offset + n] * total).view_as(params[i]).to(
                params[i].dtype)
            offset += n
        unit = G / G.norm(dim=1, keepdim=True).clamp_min(1e-12)
        cos = unit @ unit.T
        pairs = cos[torch.triu(torch.ones_like(cos, dtype=torch.bool), diagonal=1)]
        along = unit @ (d / d.norm().clamp_min(1e-12))
        logs = {"bal_updates": 1, "grad_cos_min": float(pairs.min()) if pairs.numel() else 1.0,
                "grad_cos_mean": float(pairs.mean()) if pairs.numel() else 1.0}
        for k, value in zip(tasks, along.tolist()):
            logs[f"_gcos:{self.task_names[k]}"] = value
        return logs
