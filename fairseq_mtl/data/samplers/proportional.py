"""Size-proportional task sampling: P(task k) = n_k / sum_j n_j."""
from fairseq_mtl.data.samplers import register_sampler
from fairseq_mtl.data.samplers.base import TaskSampler, draw_by_probability


@register_sampler("proportional")
class ProportionalSampler(TaskSampler):
    summary = "P(k) ~ n_k"
    def order(self, batches, rng):
        return draw_by_probability(batches, self.task_sizes, rng)
