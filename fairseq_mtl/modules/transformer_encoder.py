"""Transformer encoder of the thesis (Sun 2019, ch. 3.1; Vaswani et al. 2017):

* word vectors projected to the model size d when their size differs (thesis W^p);
* LEARNED positional embeddings, added to every position (prefix tokens included);
* post-LN layers: x = LayerNorm(x + SelfAttention(x)); x = LayerNorm(x + FFN(x)), FFN with ReLU;
* padding masks: a padded key never receives attention, so padding does not change a
  sentence's output (tested).

Attention runs through ``torch.nn.functional.scaled_dot_product_attention``, which picks a fused
kernel on CPU and GPU. On CPU a batch without padding passes no mask at all (batches are bucketed by
length, so this is common); on GPU the mask is always built, because finding out whether it is
needed would stall the GPU (a device-to-host copy every forward).

The same stack holds a pretrained BERT or RoBERTa encoder (fairseq_mtl/pretrained/): what those
layouts need beyond the thesis' layer is an option here, with the thesis' choice as default: GELU
instead of ReLU, their LayerNorm epsilon, a LayerNorm over word + position vectors, RoBERTa's
position offset (its first word is position 2), and all prefix vectors at one position (the [CLS]
slot) so that the words keep the positions they had in pretraining.

``TransformerStack`` returns the states of every position; the sharing schemes decide what to
read (mean pool, CLS, task tokens). ``TransformerSentenceEncoder`` wraps a stack with a pooling
so that it satisfies the sentence-encoder contract of the generic schemes (single, fs, sp):
``forward(x B x T x E, lengths B) -> B x D``.
"""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn


def padding_mask(lengths: torch.Tensor, max_len: int, prefix: int = 0) -> torch.Tensor:
    """B x (prefix + max_len) bool, True at padding. The ``prefix`` positions are never padding."""
    positions = torch.arange(prefix + max_len, device=lengths.device)
    return positions.unsqueeze(0) >= (prefix + lengths).unsqueeze(1)


def masked_mean(states: torch.Tensor, pad: Optional[torch.Tensor], start: int = 0) -> torch.Tensor:
    """Mean over the non-padding positions ``start:`` of states B x T x d -> B x d.
    An empty sentence (no real position) gives the zero vector instead of NaN."""
    states = states[:, start:]
    if pad is None:
        return states.mean(dim=1)
    keep = (~pad[:, start:]).unsqueeze(-1).to(states.dtype)  # B x T x 1
    return (states * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1.0)


ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}  # gelu: the exact (erf) form of BERT and fairseq


class TransformerLayer(nn.Module):
    """One post-LN encoder layer (thesis Fig. 3.2): LayerNorm(x + Sublayer(x)) twice. BERT's and
    RoBERTa's layers are this one with ``activation="gelu"`` and their ``layer_norm_eps``."""

    def __init__(self, dim: int, heads: int, ffn_dim: int, dropout: float = 0.0,
                 attention_dropout: float = 0.0, activation_dropout: float = 0.0,
                 activation: str = "relu", layer_norm_eps: float = 1e-5):
        super().__init__()
        if dim % heads:
            raise ValueError(f"model size {dim} is not divisible by {heads} heads")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not "
                             f"{activation!r}")
        self.heads = heads
        self.activation = ACTIVATIONS[activation]
        self.qkv = nn.Linear(dim, 3 * dim)  # query, key, value rows stacked (3d x d)
        self.out_proj = nn.Linear(dim, dim)
        self.attn_norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.fc1 = nn.Linear(dim, ffn_dim)
        self.fc2 = nn.Linear(ffn_dim, dim)
        self.ffn_norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.dropout = nn.Dropout(dropout)
        self.activation_dropout = nn.Dropout(activation_dropout)
        self.attention_dropout = attention_dropout

    def forward(self, x: torch.Tensor, attend: Optional[torch.Tensor] = None,
                need_weights: bool = False) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """x: B x L x d; attend: B x 1 x 1 x L bool (True = a real key) or None (no padding).
        Returns the new states and, with ``need_weights``, the attention B x H x L x L."""
        B, L, d = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        weights = None
        if need_weights:  # explicit softmax, for analysis only (no dropout)
            scores = q @ k.transpose(-1, -2) / math.sqrt(q.size(-1))  # B x H x L x L
            if attend is not None:
                scores = scores.masked_fill(~attend, float("-inf"))
            weights = scores.softmax(dim=-1)
            y = weights @ v
        else:
            y = F.scaled_dot_product_attention(
                q, k, v, attn_mask=attend,
                dropout_p=self.attention_dropout if self.training else 0.0,
            )  # B x H x L x dh
        y = y.transpose(1, 2).reshape(B, L, d)
        x = self.attn_norm(x + self.dropout(self.out_proj(y)))
        h = self.activation_dropout(self.activation(self.fc1(x)))
        x = self.ffn_norm(x + self.dropout(self.fc2(h)))
        return x, weights


class TransformerStack(nn.Module):
    """Input projection + learned positions + ``layers`` post-LN layers.

    Args:
        input_dim: size E of the word vectors given to ``forward``.
        dim: model size d; the word vectors are projected to it when E != d.
        max_positions: number of learned positions (prefix tokens + words).
        activation, layer_norm_eps: of every layer (thesis: ReLU, 1e-5; BERT: GELU, 1e-12).
        embed_norm: a LayerNorm over word + position vectors before the first layer (BERT,
            RoBERTa; the thesis has none).
        position_offset: the position id of the first position (RoBERTa: 2, because fairseq
            numbers positions after its padding index; the rows before it are never used).
        prefix_position: None = prefix vectors and words numbered one after the other (the
            thesis); an int p = every prefix vector at position p and the words from p + 1 on
            (pretrained encoders: the prefix takes [CLS]'s place, the words keep theirs).
    """

    def __init__(self, input_dim: int, dim: int, layers: int, heads: int, ffn_dim: int,
                 max_positions: int, dropout: float = 0.0, attention_dropout: float = 0.0,
                 activation_dropout: float = 0.0, activation: str = "relu",
                 layer_norm_eps: float = 1e-5, embed_norm: bool = False,
                 position_offset: int = 0, prefix_position: Optional[int] = None):
        super().__init__()
        self.dim = dim
        self.max_positions = max_positions
        self.position_offset = position_offset
        self.prefix_position = prefix_position
        self.input_proj = nn.Linear(input_dim, dim) if input_dim != dim else None
        self.positions = nn.Embedding(max_positions, dim)
        self.embed_norm = nn.LayerNorm(dim, eps=layer_norm_eps) if embed_norm else None
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            [TransformerLayer(dim, heads, ffn_dim, dropout, attention_dropout, activation_dropout,
                              activation, layer_norm_eps)
             for _ in range(layers)]
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # Xavier for the projections (the Transformer's usual choice), unit LayerNorms, small
        # positions so that they do not drown the (pretrained) word vectors at the start
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        nn.init.normal_(self.positions.weight, std=0.02)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor,
                prefix: Optional[torch.Tensor] = None, need_weights: bool = False):
        """x: B x T x E word vectors (right-padded), lengths: B, prefix: B x P x d vectors put
        before the words (CLS, task tokens) or None.

        Returns (states B x (P+T) x d, pad B x (P+T) bool or None when nothing is padded,
        attention weights of every layer [B x H x L x L] when ``need_weights``)."""
        h = self.input_proj(x) if self.input_proj is not None else x  # B x T x d
        P = 0
        if prefix is not None:
            P = prefix.size(1)
            h = torch.cat([prefix.to(h.dtype), h], dim=1)  # B x (P+T) x d
        L = h.size(1)
        if self.last_position(P, L - P) >= self.max_positions:
            raise ValueError(
                f"{L} positions ({P} prefix + {L - P} words) but the model has "
                f"{self.max_positions} learned positions; truncate the input "
                "(--truncate-length) or train with a larger --max-positions"
            )
        h = h + self.position_vectors(P, L - P).to(h.dtype)
        if self.embed_norm is not None:
            h = self.embed_norm(h)
        h = self.dropout(h)
        # skip the mask when nothing is padded, but only where asking costs no device sync
        unpadded = lengths.device.type == "cpu" and int(lengths.min()) == L - P
        pad = None if unpadded else padding_mask(lengths, L - P, P)
        attend = None if pad is None else ~pad[:, None, None, :]  # B x 1 x 1 x L
        all_weights: List[torch.Tensor] = []
        for layer in self.layers:
            h, weights = layer(h, attend, need_weights)
            if need_weights:
                all_weights.append(weights)
        return h, pad, all_weights


    def last_position(self, prefix: int, words: int) -> int:
        """The position id of the last of ``prefix + words`` positions (see ``prefix_position``)."""
        if self.prefix_position is None:
            return self.position_offset + prefix + words - 1
        return self.position_offset + self.prefix_position + words

    def position_vectors(self, prefix: int, words: int) -> torch.Tensor:
        """(prefix + words) x d position vectors, slices of the table: consecutive positions
        (the thesis), or every prefix vector at ``prefix_position`` and the words after it."""
        weight = self.positions.weight
        if self.prefix_position is None:
            return weight[self.position_offset: self.position_offset + prefix + words]
        first = self.position_offset + self.prefix_position
        return torch.cat([weight[first].expand(prefix, -1), weight[first + 1: first + 1 + words]])

    @property
    def max_words(self) -> int:
        """The most words a sentence may have after ``prefix`` vectors, for prefix 1 (CLS)."""
        start = self.position_offset + (self.prefix_position or 0) + 1
        return self.max_positions - start


class TransformerSentenceEncoder(nn.Module):
    """A stack read as one sentence vector: ``pooling="mean"`` (mean of the top states of the
    real words) or ``"cls"`` (a learned CLS vector at position 0, its top state).

    ``cls_init``: a pretrained encoder's [CLS] input vector. Then the CLS vector is there with
    either pooling (a pretrained encoder has never seen a sequence without [CLS]) and starts from
    it; otherwise it exists for ``"cls"`` only and starts from N(0, 0.02)."""

    def __init__(self, stack: TransformerStack, pooling: str = "mean",
                 cls_init: Optional[torch.Tensor] = None):
        super().__init__()
        if pooling not in ("mean", "cls"):
            raise ValueError(f"pooling must be 'mean' or 'cls', not {pooling!r}")
        self.stack = stack
        self.pooling = pooling
        self.output_dim = stack.dim
        self.cls = None
        if pooling == "cls" or cls_init is not None:
            self.cls = nn.Parameter(torch.zeros(stack.dim))
            with torch.no_grad():
                if cls_init is None:
                    nn.init.normal_(self.cls, std=0.02)
                else:
                    self.cls.copy_(cls_init)

    @property
    def num_prefix(self) -> int:
        return 1 if self.cls is not None else 0

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        prefix = None
        if self.cls is not None:
            prefix = self.cls.view(1, 1, -1).expand(x.size(0), 1, -1)  # B x 1 x d
        states, pad, _ = self.stack(x, lengths, prefix)
        if self.pooling == "cls":
            return states[:, 0]  # B x d
        return masked_mean(states, pad, start=self.num_prefix)  # B x d
