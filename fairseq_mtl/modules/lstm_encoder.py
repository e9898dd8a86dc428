"""LSTM sentence encoders of the paper (Sec. 2, Eq. 1-4): the sentence vector is the last hidden
state h_T at the sentence's REAL length.

* ``LSTM``: one layer, one direction; vector = h_T (size H).
* ``BiLSTM``: concat of the forward h_T and the backward direction's state after it has read
  the whole sentence from its last real word to its first (size 2H).
* ``sLSTM``: 2 stacked layers; vector = top layer's h_T (size H).

Why no packed sequences: on CPU, PyTorch's backward pass of an LSTM over a PackedSequence whose
lengths differ is ~50x slower than over a padded batch (measured: 5.6 s vs 0.11 s for 16 x 1000
tokens). An LSTM is causal, so with RIGHT padding the state at position len-1 is exactly the
state of the unpadded sentence; we run the fast padded kernel and gather that state. The
backward direction reads each sentence reversed within its own length (padding stays at the
end), so it is exact too. Padding is small because batches are bucketed by length.

PyTorch's LSTM has no peepholes, as in the paper; it has two bias vectors where Eq. 1 has one
(b_ih + b_hh), which changes the parameter count by 4H per layer and direction, not the function.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn


def reverse_within_length(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[b]`` positions, leave the padding in place.
    x: B x T x C, lengths: B. Applying it twice gives ``x`` back."""
    B, T = x.shape[:2]
    positions = torch.arange(T, device=x.device).unsqueeze(0).expand(B, T)
    last = (lengths.to(x.device) - 1).unsqueeze(1)
    index = torch.where(positions <= last, last - positions, positions)  # B x T
    return x.gather(1, index.unsqueeze(-1).expand_as(x))


class LSTMSentenceEncoder(nn.Module):
    def __init__(
        self,
        input_dim: int,
        hidden_dim: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
    ):
        super().__init__()
        layer_dropout = dropout if num_layers > 1 else 0.0
        self.lstm = nn.LSTM(input_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                            dropout=layer_dropout)
        self.lstm_reverse = (
            nn.LSTM(input_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                    dropout=layer_dropout)
            if bidirectional else None
        )
        self.output_dim = hidden_dim * (2 if bidirectional else 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, return_states: bool = False):
        """x: B x T x E (right-padded), lengths: B -> sentence vectors B x D
        (and, with ``return_states``, all top-layer states B x T x D, zero at padding)."""
        B, T = x.shape[:2]
        batch = torch.arange(B, device=x.device)
        last = lengths.to(x.device) - 1  # B
        states, _ = self.lstm(x)  # B x T x H
        vector = states[batch, last]  # B x H
        if self.lstm_reverse is not None:
            states_rev, _ = self.lstm_reverse(reverse_within_length(x, lengths))
            vector = torch.cat([vector, states_rev[batch, last]], dim=-1)  # B x 2H
            if return_states:
                states = torch.cat([states, reverse_within_length(states_rev, lengths)], -1)
        if not return_states:
            return vector
        mask = torch.arange(T, device=x.device).unsqueeze(0) <= last.unsqueeze(1)  # B x T
        return vector, states * mask.unsqueeze(-1)


def build_lstm_encoder(kind: str, input_dim: int, hidden_dim: int, dropout: float = 0.0,
                       num_layers: Optional[int] = None) -> LSTMSentenceEncoder:
    """``kind`` in {lstm, bilstm, slstm}."""
    if kind == "lstm":
        return LSTMSentenceEncoder(input_dim, hidden_dim, num_layers or 1, False, dropout)
    if kind == "bilstm":
        return LSTMSentenceEncoder(input_dim, hidden_dim, num_layers or 1, True, dropout)
    if kind == "slstm":
        return LSTMSentenceEncoder(input_dim, hidden_dim, num_layers or 2, False, dropout)
    raise ValueError(f"unknown LSTM encoder {kind!r}; choose lstm, bilstm or slstm")
