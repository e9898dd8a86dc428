"""Word embeddings initialised from pretrained vectors (paper Sec. 5.3: GloVe; here whatever
``fairseq-mtl-prepare --embeddings`` aligned with the dictionary)."""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch import nn


class WordEmbedding(nn.Embedding):
    """``nn.Embedding`` whose rows with a pretrained vector are copied from it after the random
    init (rows without one keep the random init; the padding row is zero)."""

    def __init__(self, num_embeddings: int, dim: int, padding_idx: int,
                 pretrained: Optional[np.ndarray] = None, found: Optional[np.ndarray] = None,
                 dropout: float = 0.0, freeze: bool = False):
        super().__init__(num_embeddings, dim, padding_idx=padding_idx)
        self._pretrained = pretrained
        self._found = found
        self.dropout = nn.Dropout(dropout)
        self.weight.requires_grad_(not freeze)
        self.reset_pretrained()

    @torch.no_grad()
    def reset_pretrained(self) -> None:
        if self._pretrained is not None:
            rows = torch.from_numpy(np.nonzero(self._found)[0])
            self.weight[rows] = torch.from_numpy(self._pretrained[rows.numpy()]).to(self.weight)
        self.weight[self.padding_idx].zero_()

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.dropout(super().forward(tokens))  # B x T x E
