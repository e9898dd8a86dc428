"""The auxiliary terms of the adversarial shared-private objective as pure functions
(paper Sec. 4, SPEC section 4):

    L = sum_k alpha_k L_task(k) + lambda L_adv + gamma L_diff
"""
import torch
import torch.nn.functional as F


def orthogonality_loss(shared: torch.Tensor, private: torch.Tensor) -> torch.Tensor:
    """L_diff for one task's sentences (paper Eq. 14): || S^T H ||_F^2.

    shared: B x Ds, private: B x Dp, rows = the same B sentences. Because every batch holds one
    task, the paper's sum over tasks is the sum of this term over the batches of an epoch.
    """
    return (shared.t() @ private).pow(2).sum()


def adversarial_loss(task_logits: torch.Tensor, task_id: int, reduction: str = "sum"):
    """L_adv: cross-entropy of the task discriminator against the true task of every sentence
    (paper Eq. 13; the min-max sign is handled by the gradient reversal layer, not here)."""
    target = torch.full(
        (task_logits.size(0),), task_id, dtype=torch.long, device=task_logits.device
    )
    return F.cross_entropy(task_logits, target, reduction=reduction)
