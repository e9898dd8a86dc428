"""Every batch of every task once per epoch, all tasks' batches in one random order (MT-DNN,
Liu et al. 2019, Algorithm 1: "merge all the datasets ... shuffle"). A task's share of the
updates is its share of the batches, as with ``proportional``, but without replacement: every
example is seen exactly once per epoch, and the small tasks are spread over the whole epoch
instead of being used up early (round-robin) or drawn twice (proportional)."""
from fairseq_mtl.data.samplers import register_sampler
from fairseq_mtl.data.samplers.base import TaskSampler


@register_sampler("shuffled")
class ShuffledSampler(TaskSampler):
    summary = "all tasks' batches once, one random order (MT-DNN)"
    uses_every_batch_once = True

    def order(self, batches, rng):
        flat = [b for task_batches in batches for b in task_batches]
        return [flat[i] for i in rng.permutation(len(flat))]
