"""The sampler interface."""
from __future__ import annotations

from typing import List, Sequence

import numpy as np


class TaskSampler:
    """Orders one epoch's batches.

    ``order(batches, rng)`` receives ``batches[k]``, the list of task k's batches for this epoch
    (already shuffled/bucketed), and returns the single list of batches the epoch trains on.
    ``task_sizes[k]`` is the number of training examples of task k.
    """

    name = "base"
    #: a few words for ``--sampler``'s help
    summary = ""
    #: True when ``order`` returns every batch it is given exactly once (checked by the task)
    uses_every_batch_once = False

    def __init__(self, task_sizes: Sequence[int], temperature: float = 1.0):
        self.task_sizes = np.asarray(task_sizes, dtype=np.float64)
        self.temperature = temperature

    def order(self, batches: List[List[np.ndarray]], rng: np.random.RandomState):
        raise NotImplementedError

    def epoch_note(self, batches: List[List[np.ndarray]]) -> str:
        """What a user should know about this sampler's epoch (logged once), or ''."""
        return ""


def draw_by_probability(
    batches: List[List[np.ndarray]], probs: np.ndarray, rng: np.random.RandomState
) -> List[np.ndarray]:
    """One epoch = as many updates as there are batches; each update draws a task from
    ``probs`` and takes that task's next batch, starting the task's list over (reshuffled) when
    it runs out. Used by the uniform, proportional and temperature samplers."""
    total = sum(len(b) for b in batches)
    tasks = rng.choice(len(batches), size=total, p=probs / probs.sum())
    position = [0] * len(batches)
    streams = [list(b) for b in batches]
    out = []
    for k in tasks:
        if not streams[k]:
            continue  # a task without batches (empty split) is never drawn twice
        if position[k] >= len(streams[k]):
            streams[k] = [streams[k][i] for i in rng.permutation(len(streams[k]))]
            position[k] = 0
        out.append(streams[k][position[k]])
        position[k] += 1
    return out
