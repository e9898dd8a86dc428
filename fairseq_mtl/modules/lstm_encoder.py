"""LSTM sentence encoders of the paper (Sec. 2, Eq. 1-4): the sentence vector is the last hidden
state h_T at the sentence's REAL length (padding never enters the recurrence: packed sequences).

* ``LSTM``: one layer, one direction; vector = h_T (size H).
* ``BiLSTM``: concat of the forward h_T and the backward state at position 1 (size 2H).
* ``sLSTM``: 2 stacked layers; vector = top layer's h_T (size H).

PyTorch's LSTM has no peepholes, as in the paper; it has two bias vectors where Eq. 1 has one
(b_ih + b_hh), which changes the parameter count by 4H per layer and direction, not the function.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


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
        self.lstm = nn.LSTM(
            input_dim,
            hidden_dim,
            num_layers=num_layers,
            bidirectional=bidirectional,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.output_dim = hidden_dim * (2 if bidirectional else 1)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor, return_states: bool = False
    ):
        """x: B x T x E (right-padded), lengths: B -> sentence vectors B x D
        (and, with ``return_states``, all top-layer states B x T x D, zero at padding)."""
        packed = pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        packed_out, (h_n, _) = self.lstm(packed)
        # h_n: (layers * directions) x B x H, already in the input's batch order
        if self.lstm.bidirectional:
            vector = torch.cat([h_n[-2], h_n[-1]], dim=-1)
        else:
            vector = h_n[-1]
        if not return_states:
            return vector
        states, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=x.size(1))
        return vector, states


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
