"""Random loss weighting (Lin, Ye, Xu, Shi & Zhang, TMLR 2022, "Reasonable Effectiveness of
Random Weighting: A Litmus Test for Multi-Task Learning"): each update draws z ~ N(0, I_K) and
weighs task k's loss by K softmax(z)_k (the paper's softmax weights, times K so that the mean
weight is 1, as equal weighting's). The draw comes from (seed, update), so a resumed run draws
what the uninterrupted one drew. With ``--sampler all_tasks`` the update's K losses share one
draw, as in the paper; with one task per update it scales that task's step."""
import torch

from fairseq_mtl.balancing import register_balancing
from fairseq_mtl.balancing.base import TaskBalancing


@register_balancing("random_weights")
class RandomWeights(TaskBalancing):
    summary = "K softmax(z), z ~ N(0, I), drawn every update (RLW, Lin et al. 2022)"

    def _draw(self) -> torch.Tensor:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.update_num)
        return self.num_tasks * torch.softmax(torch.randn(self.num_tasks, generator=g), 0)

    def task_loss(self, loss, task_id, n):
        return float(self._draw()[task_id]) * loss

    def weights(self):
        return self._draw().tolist()
