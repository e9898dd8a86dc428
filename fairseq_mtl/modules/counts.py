"""Parameter counts as the thesis reports them: without word embeddings and learned positions
(logged by every model at start-up; the thesis table is fairseq_mtl_tools/param_counts.py)."""
from typing import Dict

from torch import nn

from fairseq_mtl.modules.embedding import PretrainedTokenEmbedding, WordEmbedding


def parameter_counts(model: nn.Module) -> Dict[str, int]:
    """{"total", "embeddings" (word vectors, and a pretrained encoder's token-type vectors),
    "positions" (learned positions), "rest"}."""
    total = embed = positions = 0
    modules = dict(model.named_modules())
    for name, p in model.named_parameters():
        total += p.numel()
        owner = modules.get(name.rpartition(".")[0])
        parent = modules.get(name.rpartition(".")[0].rpartition(".")[0])
        if isinstance(owner, WordEmbedding) or isinstance(parent, PretrainedTokenEmbedding):
            embed += p.numel()
        elif name.endswith("positions.weight"):
            positions += p.numel()
    return {"total": total, "embeddings": embed, "positions": positions,
            "rest": total - embed - positions}
