"""PCGrad (Yu et al., NeurIPS 2020, "Gradient Surgery for Multi-Task Learning"): each task's
gradient loses its component along any other task gradient it conflicts with (negative inner
product); the projected gradients are summed. torchjd's ``PCGrad``; divided by K here, so that
without conflicts it is the mean, as equal weighting's update."""
from fairseq_mtl.balancing import register_balancing
from fairseq_mtl.balancing.base import CAGRAD_C, GradientCombination


@register_balancing("pcgrad")
class PCGrad(GradientCombination):
    summary = "project away conflicting components (Yu et al. 2020; torchjd)"

    def __init__(self, num_tasks, seed=1, cagrad_c=CAGRAD_C):
        super().__init__(num_tasks, seed, cagrad_c)
        self.scale = 1.0 / num_tasks

    def aggregator(self):
        from torchjd.aggregation import PCGrad as Aggregator

        return Aggregator()
