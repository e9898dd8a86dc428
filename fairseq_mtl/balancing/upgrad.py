"""UPGrad (Quinton & Rey, 2024, "Jacobian Descent for Multi-Objective Optimization"): each task
gradient is projected onto the dual cone of all of them and the projections are averaged, so the
update has a non-negative inner product with every task's gradient: no task's loss increases to
first order. torchjd's ``UPGrad`` (a quadratic program, solved by quadprog)."""
from fairseq_mtl.balancing import register_balancing
from fairseq_mtl.balancing.base import GradientCombination


@register_balancing("upgrad")
class UPGrad(GradientCombination):
    summary = "no task's loss increases to first order (Quinton & Rey 2024; torchjd)"

    def aggregator(self):
        from torchjd.aggregation import UPGrad as Aggregator

        return Aggregator()
