"""Sentence encoders of the two competitor baselines of paper Table 2.

* ``CNNSentenceEncoder`` (MT-CNN, Collobert & Weston 2008): a convolution over windows of
  ``width`` words, max over the sentence's real positions, tanh. Output size = ``filters``.
* ``BagOfWordsEncoder`` (MT-DNN, Liu et al. 2015): the bag of words of the sentence times a
  weight matrix, then tanh (their shared "semantic representation" layer, 300 units). Multiplying
  a bag-of-words vector by a |V| x H matrix is a sum of word vectors, so the layer is the
  sentence's mean word vector (the bag normalised by its length, since FDU-MTL lengths range
  from 1 to ~4.8k words) through Linear(E, H) and tanh. Liu et al. hash letter trigrams instead
  of words; the word vectors here are the prepared (GloVe) ones, as for every other model.
"""
from __future__ import annotations

import torch
from torch import nn


def real_positions(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """B x T bool, True at the real (non-padding) positions of right-padded sentences."""
    return torch.arange(max_len, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


class CNNSentenceEncoder(nn.Module):
    def __init__(self, input_dim: int, filters: int = 100, width: int = 3):
        super().__init__()
        if width < 1 or width % 2 == 0:
            raise ValueError(f"convolution width must be odd and >= 1, got {width}")
        # "same" padding: position t sees words t - w//2 .. t + w//2 (zeros outside)
        self.conv = nn.Conv1d(input_dim, filters, width, padding=width // 2)
        self.output_dim = filters

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """x: B x T x E (right-padded), lengths: B -> B x filters."""
        keep = real_positions(lengths.to(x.device), x.size(1)).unsqueeze(-1)  # B x T x 1
        # padding rows must be zero: a window at the end must see zeros, not padding vectors
        h = self.conv((x * keep).transpose(1, 2)).transpose(1, 2)  # B x T x F
        h = h.masked_fill(~keep, float("-inf")).amax(dim=1)
        return torch.tanh(h.clamp(min=-1e4))  # an empty sentence gives -1, not NaN


class BagOfWordsEncoder(nn.Module):
    def __init__(self, input_dim: int, hidden_dim: int = 300):
        super().__init__()
        self.proj = nn.Linear(input_dim, hidden_dim)
        self.output_dim = hidden_dim

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        keep = real_positions(lengths.to(x.device), x.size(1)).unsqueeze(-1).to(x.dtype)
        mean = (x * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1.0)
        return torch.tanh(self.proj(mean))
