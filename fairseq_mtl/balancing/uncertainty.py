"""Uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018, "Multi-Task Learning Using
Uncertainty to Weigh Losses for Scene Geometry and Semantics"): a learned log-variance s_k per
task, the loss exp(-s_k) L_k + s_k (the form most re-implementations use for classification and
regression alike; Eq. 7-10 of the paper differ by constant factors). The regulariser is per
sentence, as L_k is: a batch of n sentences adds n s_k. s_k starts at 0 (weight 1) and is
trained by the model's optimizer; it is in the model's state, so checkpoints carry it."""
import torch
from torch import nn

from fairseq_mtl.balancing import register_balancing
from fairseq_mtl.balancing.base import CAGRAD_C, TaskBalancing


@register_balancing("uncertainty")
class Uncertainty(TaskBalancing):
    summary = "learned per-task weights exp(-s_k), plus s_k (Kendall et al. 2018)"

    def __init__(self, num_tasks, seed=1, cagrad_c=CAGRAD_C):
        super().__init__(num_tasks, seed, cagrad_c)
        self.log_variance = nn.Parameter(torch.zeros(num_tasks))

    def task_loss(self, loss, task_id, n):
        s = self.log_variance[task_id]
        return torch.exp(-s) * loss + s * n

    def weights(self):
        return torch.exp(-self.log_variance.detach()).tolist()
