import pytest
import torch

from fairseq_mtl.modules.lstm_encoder import build_lstm_encoder, reverse_within_length

pytestmark = pytest.mark.fast


@pytest.mark.parametrize("kind", ["lstm", "bilstm", "slstm"])
def test_vector_is_state_at_real_length(kind):
    torch.manual_seed(0)
    enc = build_lstm_encoder(kind, input_dim=5, hidden_dim=7)
    x = torch.randn(3, 9, 5)
    lengths = torch.tensor([9, 2, 5])
    vectors = enc(x, lengths)
    assert vectors.shape == (3, enc.output_dim)
    for b in range(3):
        # the same sentence alone, unpadded, must give the same vector
        alone = enc(x[b:b + 1, : lengths[b]], lengths[b:b + 1])
        assert torch.allclose(vectors[b], alone[0], atol=1e-6)


@pytest.mark.parametrize("kind", ["lstm", "bilstm"])
def test_padding_content_is_ignored(kind):
    torch.manual_seed(0)
    enc = build_lstm_encoder(kind, input_dim=4, hidden_dim=6)
    x = torch.randn(2, 7, 4)
    lengths = torch.tensor([4, 7])
    noisy = x.clone()
    noisy[0, 4:] = 100.0
    assert torch.allclose(enc(x, lengths), enc(noisy, lengths), atol=1e-6)
    v, states = enc(x, lengths, return_states=True)
    assert states.shape == (2, 7, enc.output_dim)
    assert torch.all(states[0, 4:] == 0)


def test_reverse_within_length():
    x = torch.arange(10.0).view(2, 5, 1)
    out = reverse_within_length(x, torch.tensor([3, 5]))
    assert out[:, :, 0].tolist() == [[2, 1, 0, 3, 4], [9, 8, 7, 6, 5]]
    assert torch.equal(reverse_within_length(out, torch.tensor([3, 5])), x)
