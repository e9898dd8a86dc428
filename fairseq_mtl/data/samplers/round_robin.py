"""Round-robin over tasks, thesis Algorithm 1 (the default).

    at each epoch: split every task's data into batches
    repeat:
        shuffle the list of tasks that still have batches
        for each task in that list: train one update on its next batch
    until every batch is used

Every batch of every task is used exactly once per epoch.
"""
from fairseq_mtl.data.samplers import register_sampler
from fairseq_mtl.data.samplers.base import TaskSampler


@register_sampler("round_robin")
class RoundRobinSampler(TaskSampler):
    summary = "thesis Algorithm 1"
    uses_every_batch_once = True

    def order(self, batches, rng):
        position = [0] * len(batches)
        remaining = [k for k in range(len(batches)) if len(batches[k]) > 0]
        out = []
        while remaining:
            for k in [remaining[i] for i in rng.permutation(len(remaining))]:
                out.append(batches[k][position[k]])
                position[k] += 1
            remaining = [k for k in remaining if position[k] < len(batches[k])]
        return out
