"""The auxiliary terms of the adversarial shared-private objective as pure functions
(paper Sec. 4, Eq. 13-15):

    L = sum_k alpha_k L_task(k) + lambda L_adv + gamma L_diff
"""
import torch
import torch.nn.functional as F


def orthogonality_loss(shared: torch.Tensor, private: torch.Tensor,
                       normalize: bool = True) -> torch.Tensor:
    """L_diff for one task's sentences (paper Eq. 14), S: B x Ds, H: B x Dp (rows = the same B
    sentences; every batch holds one task, so the paper's sum over tasks is the sum of this term
    over an epoch's batches).

    ``normalize=False``: the formula as printed, || S^T H ||_F^2. It has a trivial minimiser,
    S -> 0: measured here (16 tasks, 8 epochs), the shared vectors collapsed (L_diff 1e-3, the
    discriminator stuck at chance) and ASP-MTL fell 5 points below SP-MTL.

    ``normalize=True`` (default): the difference loss of Bousmalis et al. (2016), which the paper
    says it adopts, as their released code computes it: centre each column over the batch,
    L2-normalise each row, then the MEAN of the squared entries of S^T H. Only the directions of
    the two representations are penalised, not their size.
    """
    if normalize:
        shared = F.normalize(shared - shared.mean(0, keepdim=True), dim=1)
        private = F.normalize(private - private.mean(0, keepdim=True), dim=1)
        return (shared.t() @ private).pow(2).mean()
    return (shared.t() @ private).pow(2).sum()


def adversarial_loss(task_logits: torch.Tensor, task_id: int, reduction: str = "sum"):
    """L_adv: cross-entropy of the task discriminator against the true task of every sentence
    (paper Eq. 13; the min-max sign is handled by the gradient reversal layer, not here)."""
    target = torch.full(
        (task_logits.size(0),), task_id, dtype=torch.long, device=task_logits.device
    )
    return F.cross_entropy(task_logits, target, reduction=reduction)
