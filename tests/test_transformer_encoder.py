"""The Transformer encoder: shapes, padding masks, positions, the analysis path."""
import pytest
import torch

from fairseq_mtl.modules.transformer_encoder import (
    TransformerSentenceEncoder,
    TransformerStack,
    masked_mean,
    padding_mask,
)

pytestmark = pytest.mark.fast

E, D, LAYERS, HEADS, FFN, MAXPOS = 6, 12, 2, 3, 10, 16  # distinct toy sizes


def make_stack(seed=0, **kw):
    torch.manual_seed(seed)
    return TransformerStack(E, D, LAYERS, HEADS, FFN, MAXPOS, **kw).eval()


def batch(lengths, T=None, seed=1):
    g = torch.Generator().manual_seed(seed)
    T = T or max(lengths)
    x = torch.randn(len(lengths), T, E, generator=g)
    lengths = torch.tensor(lengths)
    x[padding_mask(lengths, T)] = 7.0  # garbage at padding: must not matter
    return x, lengths


def test_shapes_and_projection():
    stack = make_stack()
    x, lengths = batch([5, 3, 1])
    states, pad, weights = stack(x, lengths)
    assert states.shape == (3, 5, D) and pad.shape == (3, 5) and weights == []
    assert stack.input_proj.weight.shape == (D, E)
    assert TransformerStack(D, D, 1, HEADS, FFN, MAXPOS).input_proj is None  # no projection


def test_padding_does_not_change_a_sentence():
    stack = make_stack()
    x, lengths = batch([6, 4, 2])
    states, pad, _ = stack(x, lengths)
    for b, n in enumerate(lengths.tolist()):
        alone, pad_alone, _ = stack(x[b : b + 1, :n], lengths[b : b + 1])
        assert pad_alone is None  # no padding -> no mask at all (fastest kernel)
        torch.testing.assert_close(states[b, :n], alone[0], atol=1e-5, rtol=1e-5)
        for pool in ("mean", "cls"):
            enc = TransformerSentenceEncoder(stack, pool).eval()
            torch.testing.assert_close(enc(x, lengths)[b], enc(x[b : b + 1, :n],
                                                               lengths[b : b + 1])[0],
                                       atol=1e-5, rtol=1e-5)


def test_prefix_positions_and_padding_mask():
    stack = make_stack()
    x, lengths = batch([4, 2])
    prefix = torch.randn(1, 3, D).expand(2, 3, D)
    states, pad, weights = stack(x, lengths, prefix, need_weights=True)
    assert states.shape == (2, 7, D)
    assert pad.tolist() == [[False] * 7, [False] * 5 + [True] * 2]  # prefix never padded
    last = weights[-1]  # B x H x L x L
    assert last.shape == (2, HEADS, 7, 7)
    torch.testing.assert_close(last.sum(-1), torch.ones(2, HEADS, 7))
    assert last[1, :, :, 5:].abs().max() == 0  # nobody attends to padding


def test_explicit_attention_path_equals_the_fused_kernel():
    stack = make_stack()
    x, lengths = batch([5, 2])
    fused, _, _ = stack(x, lengths)
    explicit, _, _ = stack(x, lengths, need_weights=True)
    torch.testing.assert_close(fused, explicit, atol=1e-5, rtol=1e-5)


def test_learned_positions_make_order_matter():
    stack = make_stack()
    x, lengths = batch([5])
    states, _, _ = stack(x, lengths)
    swapped, _, _ = stack(x.flip(1), lengths)
    assert not torch.allclose(states.mean(1), swapped.mean(1), atol=1e-4)


def test_too_long_input_names_the_option():
    stack = make_stack()
    x, lengths = batch([MAXPOS])
    stack(x, lengths)  # exactly the limit is fine
    with pytest.raises(ValueError, match="--truncate-length"):
        stack(x, lengths, prefix=torch.zeros(1, 1, D))


def test_masked_mean_ignores_padding_and_empty_sentences():
    states = torch.arange(2 * 3 * 2, dtype=torch.float).view(2, 3, 2)
    pad = padding_mask(torch.tensor([2, 0]), 3)
    out = masked_mean(states, pad)
    torch.testing.assert_close(out[0], states[0, :2].mean(0))
    assert torch.equal(out[1], torch.zeros(2))  # no NaN for an empty sentence


def test_post_layer_norm_output_is_normalised():
    stack = make_stack()
    x, lengths = batch([5])
    states, _, _ = stack(x, lengths)
    torch.testing.assert_close(states.mean(-1), torch.zeros(1, 5), atol=1e-5, rtol=0)
