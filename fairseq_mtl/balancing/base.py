"""The task-balancing interface (one class per method, fairseq_mtl/balancing/*.py)."""
from __future__ import annotations

from typing import List

import torch
from torch import nn

from fairseq_mtl.checkpoint import OneLineError

#: CAGrad's c when --cagrad-c is not given (the paper's experiments' value)
CAGRAD_C = 0.4


class BalancingError(OneLineError, ValueError):
    """A task-balancing method asked for where it cannot work (one line on the command line)."""


class TaskBalancing(nn.Module):
    """Loss weighting: :meth:`task_loss` scales task k's summed loss (over ``n`` sentences);
    :meth:`weights` are the per-task weights now (logged as ``{task}/weight``). Gradient
    combination: ``combines_gradients`` and :meth:`combine`."""

    name = "base"
    summary = ""
    #: combines the tasks' gradients: every update needs one batch of every task
    combines_gradients = False

    def __init__(self, num_tasks: int, seed: int = 1, cagrad_c: float = CAGRAD_C):
        super().__init__()
        self.num_tasks = num_tasks
        self.seed = seed
        self.update_num = 0  # set by the task before each update's batches

    def task_loss(self, loss: torch.Tensor, task_id: int, n: int) -> torch.Tensor:
        return loss

    def weights(self) -> List[float]:
        return [1.0] * self.num_tasks

    def combine(self, grads: torch.Tensor) -> torch.Tensor:
        """K x P mean gradients (one row per task, on the shared parameters) -> the P-vector
        the update follows, on the scale of one mean gradient."""
        raise NotImplementedError


class GradientCombination(TaskBalancing):
    """A torchjd aggregator over the tasks' gradients (``aggregator()``); ``scale`` brings its
    output to the scale of the mean of the rows (PCGrad sums them)."""

    combines_gradients = True
    scale = 1.0

    def __init__(self, num_tasks: int, seed: int = 1, cagrad_c: float = CAGRAD_C):
        super().__init__(num_tasks, seed, cagrad_c)
        self.cagrad_c = cagrad_c
        self._aggregator = None

    def aggregator(self):
        raise NotImplementedError

    def combine(self, grads):
        if self._aggregator is None:
            self._aggregator = self.aggregator()
        return self._aggregator(grads.double()).to(grads.dtype) * self.scale
