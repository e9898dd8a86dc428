"""Equal weighting: every task's loss counts once (the papers' objective; the default)."""
from fairseq_mtl.balancing import register_balancing
from fairseq_mtl.balancing.base import TaskBalancing


@register_balancing("equal")
class Equal(TaskBalancing):
    summary = "every task's loss once (default)"
