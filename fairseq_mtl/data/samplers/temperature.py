"""Temperature-scaled task sampling: P(task k) proportional to n_k ** (1 / T).

T = 1 is size-proportional, T -> infinity is uniform.
"""
from fairseq_mtl.data.samplers import register_sampler
from fairseq_mtl.data.samplers.base import TaskSampler, draw_by_probability


@register_sampler("temperature")
class TemperatureSampler(TaskSampler):
    summary = "P(k) ~ n_k^(1/T)"
    def order(self, batches, rng):
        if self.temperature <= 0:
            raise ValueError(f"--sampling-temperature must be > 0, got {self.temperature}")
        return draw_by_probability(batches, self.task_sizes ** (1.0 / self.temperature), rng)
