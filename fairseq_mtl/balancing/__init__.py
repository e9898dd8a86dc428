"""Task balancing: how the tasks' losses, or their gradients, become one update. One file per
method; ``--task-balancing NAME`` chooses (its choices and help come from this registry).

Two kinds:

* **loss weighting** (``equal``, ``uncertainty``, ``random_weights``): task k's loss is scaled
  by a weight before the backward pass; works with every sampler and under data parallelism;
* **gradient combination** (``pcgrad``, ``cagrad``, ``upgrad``): each update sees one batch of
  every task (``--sampler all_tasks --update-freq K``), the tasks' gradients on the parameters
  they share are kept apart and combined by the method (torchjd's aggregators) into one
  direction; parameters of one task only (its head, its private encoder) get their task's
  gradient as usual. :mod:`fairseq_mtl.balancing.gradients` does the bookkeeping.

A method is an ``nn.Module`` of the model (``model.balancing``): a method with parameters
(uncertainty weighting's log-variances) keeps them in the model, so in every checkpoint, and
resume is exact; a random method draws from (seed, update), never from a stream.
"""
from fairseq_mtl.balancing.base import CAGRAD_C, BalancingError, TaskBalancing
from fairseq_mtl.registry import Registry

__all__ = ["BALANCING", "CAGRAD_C", "BalancingError", "TaskBalancing", "build_balancing",
           "register_balancing"]

BALANCING: Registry[TaskBalancing] = Registry("task balancing", __name__)
register_balancing = BALANCING.register


def build_balancing(name: str, num_tasks: int, seed: int = 1,
                    cagrad_c: float = CAGRAD_C) -> TaskBalancing:
    return BALANCING[name](num_tasks=num_tasks, seed=seed, cagrad_c=cagrad_c)


BALANCING.load()
