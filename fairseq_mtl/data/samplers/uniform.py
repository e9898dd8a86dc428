"""Uniform task sampling (Bingel & Sogaard 2017): each update draws a task uniformly."""
import numpy as np

from fairseq_mtl.data.samplers import register_sampler
from fairseq_mtl.data.samplers.base import TaskSampler, draw_by_probability


@register_sampler("uniform")
class UniformSampler(TaskSampler):
    summary = "a task drawn uniformly per update"
    def order(self, batches, rng):
        return draw_by_probability(batches, np.ones(len(batches)), rng)
