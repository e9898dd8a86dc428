"""Word embeddings initialised from pretrained vectors (paper Sec. 5.3: GloVe; here whatever
``fairseq-mtl-prepare --embeddings`` aligned with the dictionary)."""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch import nn


class WordEmbedding(nn.Embedding):
    """``nn.Embedding`` whose rows with a pretrained vector are copied from it after the random
    init (rows without one keep the random init; the padding row is zero).

    ``lr_scale`` s < 1 trains the vectors s times slower than the rest of the model under Adam
    (the thesis: embedding lr 5e-5 vs 5e-4). The module stores W / s and multiplies the looked-up
    rows by s: Adam's step on the stored matrix has the size of the learning rate whatever the
    gradient's scale, so W itself moves s times the learning rate. (Under plain SGD the factor
    would be s^2.) ``vectors()`` gives W.
    """

    def __init__(self, num_embeddings: int, dim: int, padding_idx: int,
                 pretrained: Optional[np.ndarray] = None, found: Optional[np.ndarray] = None,
                 dropout: float = 0.0, freeze: bool = False, lr_scale: float = 1.0):
        super().__init__(num_embeddings, dim, padding_idx=padding_idx)
        if not lr_scale > 0:
            raise ValueError(f"embedding lr scale must be > 0, got {lr_scale}")
        self._pretrained = pretrained
        self._found = found
        self.lr_scale = lr_scale
        self.dropout = nn.Dropout(dropout)
        self.weight.requires_grad_(not freeze)
        self.reset_pretrained()

    @torch.no_grad()
    def reset_pretrained(self) -> None:
        """Copy the pretrained rows (after the caller's random init) and store W / lr_scale."""
        if self._pretrained is not None:
            rows = torch.from_numpy(np.nonzero(self._found)[0])
            self.weight[rows] = torch.from_numpy(self._pretrained[rows.numpy()]).to(self.weight)
        self.weight[self.padding_idx].zero_()
        if self.lr_scale != 1.0:
            self.weight.div_(self.lr_scale)

    def vectors(self) -> torch.Tensor:
        """The word vectors W (|V| x E), whatever ``lr_scale``."""
        return self.weight * self.lr_scale

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = super().forward(tokens)  # B x T x E
        if self.lr_scale != 1.0:
            x = x * self.lr_scale
        return self.dropout(x)


def segment_ids(tokens: torch.Tensor, sep_index: int) -> torch.Tensor:
    """B x T: 0 for the first text and its separator, 1 after the first separator (BERT's
    token types of ``A [SEP] B [SEP]``)."""
    is_sep = (tokens == sep_index).long()
    return (is_sep.cumsum(dim=1) - is_sep).clamp(max=1)


class PretrainedTokenEmbedding(nn.Module):
    """The token part of a pretrained encoder's input: word vectors + token-type vectors (BERT;
    RoBERTa has none). Positions and the embedding LayerNorm belong to the stack
    (:class:`~fairseq_mtl.modules.transformer_encoder.TransformerStack`), which adds them to
    these vectors and to the schemes' prefix vectors alike: BERT's input LayerNorm(word + type +
    position) is the same sum taken in another order.

    ``prefix_vector()`` is [CLS]'s vector here (its word vector + token type 0): the schemes'
    prefix vectors (S-C's CLS, L-I's and L-E's task tokens) start from it, so that at the start
    of training S-C's CLS and L-I's task token are read exactly as the pretrained model reads
    [CLS] (L-E's T tokens start as T copies of it).
    """

    def __init__(self, vocab_size: int, dim: int, padding_idx: int, cls_index: int,
                 sep_index: int, type_vocab_size: int = 0, freeze: bool = False):
        super().__init__()
        self.words = nn.Embedding(vocab_size, dim, padding_idx=padding_idx)
        self.types = nn.Embedding(type_vocab_size, dim) if type_vocab_size else None
        self.embedding_dim = dim
        self.cls_index = cls_index
        self.sep_index = sep_index
        for p in self.parameters():
            p.requires_grad_(not freeze)

    @torch.no_grad()
    def load_pretrained(self, words: torch.Tensor, types: Optional[torch.Tensor]) -> None:
        self.words.weight.copy_(words)
        if self.types is not None:
            self.types.weight.copy_(types)

    def prefix_vector(self) -> torch.Tensor:
        """d: the input vector of [CLS] at token type 0 (detached: a starting value)."""
        v = self.words.weight[self.cls_index]
        if self.types is not None:
            v = v + self.types.weight[0]
        return v.detach().clone()

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.words(tokens)  # B x T x d
        if self.types is not None:
            x = x + self.types(segment_ids(tokens, self.sep_index))
        return x
