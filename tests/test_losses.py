import pytest
import torch

from fairseq_mtl.losses import adversarial_loss, orthogonality_loss

pytestmark = pytest.mark.fast


def test_orthogonality_loss_by_hand():
    # S: 2 sentences x 2 shared units, H: 2 sentences x 3 private units
    S = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    H = torch.tensor([[0.5, 0.0, 1.0], [2.0, 1.0, -1.0]])
    # S^T H = [[1*.5+3*2, 1*0+3*1, 1*1+3*-1], [2*.5-1*2, 2*0-1*1, 2*1-1*-1]]
    #       = [[6.5, 3, -2], [-1, -1, 3]]
    expected = 6.5**2 + 3**2 + 2**2 + 1 + 1 + 3**2
    assert torch.isclose(orthogonality_loss(S, H, normalize=False), torch.tensor(expected))


def test_orthogonality_loss_zero_for_orthogonal_spaces():
    S = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    H = torch.tensor([[0.0, 0.0], [5.0, 7.0]])
    assert orthogonality_loss(S, H, normalize=False).item() == 0.0


def test_adversarial_loss_targets_the_batch_task():
    logits = torch.tensor([[0.0, 10.0, 0.0], [0.0, 10.0, 0.0]])
    assert adversarial_loss(logits, 1).item() < 1e-3
    assert adversarial_loss(logits, 0).item() > 10


def test_normalized_orthogonality_loss_by_hand_and_scale_invariance():
    S = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])  # columns already centred
    H = torch.tensor([[2.0], [-2.0]])
    # rows normalised: S -> [[1,0],[-1,0]], H -> [[1],[-1]]; S^T H = [[2],[0]]; mean of squares
    assert torch.isclose(orthogonality_loss(S, H), torch.tensor((4.0 + 0.0) / 2))
    # shrinking S does not reduce the normalised loss (no trivial S -> 0 solution)
    S, H = torch.randn(5, 3), torch.randn(5, 4)
    assert torch.isclose(orthogonality_loss(0.01 * S, H), orthogonality_loss(S, H), atol=1e-5)
    assert orthogonality_loss(0.01 * S, H, normalize=False) < orthogonality_loss(S, H, False)
