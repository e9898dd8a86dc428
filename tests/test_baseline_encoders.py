"""MT-CNN and MT-DNN sentence encoders: what they compute, and that padding is invisible."""
import pytest
import torch

from fairseq_mtl.modules.baseline_encoders import BagOfWordsEncoder, CNNSentenceEncoder

pytestmark = pytest.mark.fast


def padded(x, lengths, fill):
    """Right-pad a list of T_b x E tensors to one B x T x E tensor with ``fill``."""
    T = max(lengths)
    out = torch.full((len(x), T, x[0].size(1)), fill)
    for b, xb in enumerate(x):
        out[b, : len(xb)] = xb
    return out


@pytest.mark.parametrize("make", [lambda: CNNSentenceEncoder(4, 7, 3),
                                  lambda: BagOfWordsEncoder(4, 5)])
def test_padding_content_and_amount_are_invisible(make):
    torch.manual_seed(0)
    enc = make()
    sentences = [torch.randn(5, 4), torch.randn(2, 4), torch.randn(1, 4)]
    lengths = torch.tensor([5, 2, 1])
    a = enc(padded(sentences, [5, 2, 1], 0.0), lengths)
    b = enc(padded(sentences, [5, 2, 1], 9.0), lengths)  # garbage in the padding
    alone = torch.cat([enc(s.unsqueeze(0), torch.tensor([len(s)])) for s in sentences])
    assert torch.allclose(a, b, atol=1e-6) and torch.allclose(a, alone, atol=1e-6)
    assert a.shape == (3, enc.output_dim)


def test_cnn_is_max_over_time_of_windowed_convolution():
    torch.manual_seed(0)
    enc = CNNSentenceEncoder(3, 2, 3)
    x = torch.randn(1, 4, 3)
    w, bias = enc.conv.weight, enc.conv.bias  # F x E x 3
    xp = torch.cat([torch.zeros(1, 3), x[0], torch.zeros(1, 3)])  # zero beyond both ends
    h = torch.stack([(w * xp[t:t + 3].T).sum(dim=(1, 2)) + bias for t in range(4)])
    assert torch.allclose(enc(x, torch.tensor([4]))[0], torch.tanh(h.max(dim=0).values),
                          atol=1e-6)
    with pytest.raises(ValueError, match="odd"):
        CNNSentenceEncoder(3, 2, 4)


def test_bag_of_words_is_tanh_of_the_projected_mean_word_vector():
    enc = BagOfWordsEncoder(3, 2)
    x = torch.randn(1, 4, 3)
    expected = torch.tanh(enc.proj(x[0, :3].mean(dim=0)))
    assert torch.allclose(enc(x, torch.tensor([3]))[0], expected, atol=1e-6)
