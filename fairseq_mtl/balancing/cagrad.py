"""CAGrad (Liu, Liu, Jin, Stone & Liu, NeurIPS 2021, "Conflict-Averse Gradient Descent for
Multi-task Learning"): the direction that maximises the worst task's improvement within a ball
of radius c ||g_0|| around the mean gradient g_0 (``--cagrad-c``, the paper's c; 0.4 in its
experiments). torchjd's ``CAGrad`` (a convex program, solved by cvxpy)."""
from fairseq_mtl.balancing import register_balancing
from fairseq_mtl.balancing.base import GradientCombination


@register_balancing("cagrad")
class CAGrad(GradientCombination):
    summary = "best worst-task improvement near the mean gradient (Liu et al. 2021; torchjd)"

    def aggregator(self):
        from torchjd.aggregation import CAGrad as Aggregator

        return Aggregator(c=self.cagrad_c)
