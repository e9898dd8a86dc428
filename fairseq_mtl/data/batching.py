"""Batches for inference outside fairseq's iterators (evaluation, prediction, analyses).

Training and fairseq's own validation batch through
:meth:`fairseq_mtl.data.dataset.MultiTaskDataset.task_batches`; everything that runs a model on a
list of sentences by itself cuts it with :func:`length_sorted_chunks` and pads each chunk with
:func:`pad_tokens`, so every caller keeps every sentence and puts the results back in input order
by index.
"""
from __future__ import annotations

from typing import Iterator, Sequence, Tuple

import numpy as np
import torch


def pad_tokens(sequences: Sequence, pad: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Right-pad 1-D token id sequences (tensors or lists of ints) into ``B x T`` LongTensor
    ``tokens`` (T = the longest), with their lengths (``B``)."""
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    tokens = torch.full((len(sequences), int(lengths.max()) if len(sequences) else 0), pad,
                        dtype=torch.long)
    for row, sequence in enumerate(sequences):
        tokens[row, : len(sequence)] = torch.as_tensor(sequence, dtype=torch.long)
    return tokens, lengths  # B x T, B


def length_sorted_chunks(sizes: Sequence[int], batch_size: int) -> Iterator[np.ndarray]:
    """Indices ``0..len(sizes)-1`` sorted by size (stable), in chunks of ``batch_size``: every
    index exactly once, so that similar lengths share a batch."""
    order = np.argsort(np.asarray(sizes), kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]
