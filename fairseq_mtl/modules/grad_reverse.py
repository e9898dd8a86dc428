"""Gradient reversal layer (Ganin & Lempitsky 2015).

Forward: identity. Backward: the incoming gradient multiplied by ``-scale``. Placed between the
shared sentence vector and the task discriminator, it lets one backward pass train the
discriminator to RECOGNISE the task (its own parameters see the ordinary gradient) while the
shared encoder below receives the reversed gradient and learns to FOOL it: the min-max of
paper Eq. 13 without alternating updates.
"""
import torch


class _GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale: float):
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        # d(out)/d(x) is the identity; reversing and scaling it is the whole point
        return -ctx.scale * grad_output, None


def grad_reverse(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """Identity in the forward pass; gradient times ``-scale`` in the backward pass."""
    return _GradReverse.apply(x, scale)
