import pytest
import torch

from fairseq_mtl.adversary import Adversary, AdversaryConfig
from fairseq_mtl.modules.grad_reverse import grad_reverse
from fairseq_mtl.modules.heads import TaskDiscriminator

pytestmark = pytest.mark.fast


def test_forward_is_identity():
    x = torch.randn(3, 5)
    assert torch.equal(grad_reverse(x, 0.3), x)


def test_backward_reverses_and_scales():
    x = torch.randn(4, 3, requires_grad=True)
    w = torch.randn(4, 3)
    (grad_reverse(x, 0.05) * w).sum().backward()
    assert torch.allclose(x.grad, -0.05 * w)


def test_module_matches_function():
    x = torch.randn(2, 2, requires_grad=True)
    grad_reverse(x, 2.0).sum().backward()
    assert torch.allclose(x.grad, torch.full((2, 2), -2.0))


def test_discriminator_learns_while_encoder_is_pushed_away():
    """One SGD step on the discriminator loss: the discriminator's loss on the SAME features goes
    down (it learns), but moving the features along their gradient makes it go UP (the encoder
    is trained to fool it)."""
    torch.manual_seed(0)
    adversary = Adversary(AdversaryConfig(weight=0.5), TaskDiscriminator(5, num_tasks=3))
    disc = adversary.discriminator
    shared = torch.randn(6, 5, requires_grad=True)
    target = torch.full((6,), 2)
    loss = torch.nn.functional.cross_entropy(adversary(shared), target)
    loss.backward()
    with torch.no_grad():
        plain = torch.nn.functional.cross_entropy(disc.proj(shared), target)
        # the encoder's update step (gradient descent on what it receives)
        moved = shared - 1.0 * shared.grad
        assert torch.nn.functional.cross_entropy(disc.proj(moved), target) > plain
        for p in disc.parameters():
            p -= 0.5 * p.grad
        assert torch.nn.functional.cross_entropy(disc.proj(shared), target) < plain
