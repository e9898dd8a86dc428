"""Task-tagged datasets: every example knows its task, every batch holds ONE task.

``TaskDataset`` is one task's split (token ids + labels). ``MultiTaskDataset`` concatenates the
tasks of a split into one index space (task k owns ``[offsets[k], offsets[k+1])``), optionally
followed by each task's unlabeled sentences, and builds the epoch's batches: per task, then in
the order a :mod:`~fairseq_mtl.data.samplers` sampler chooses.
"""
from __future__ import annotations

import logging
from typing import List, Optional, Sequence

import numpy as np
import torch
from fairseq.data import FairseqDataset, data_utils

from fairseq_mtl.data.batching import pad_tokens

logger = logging.getLogger(__name__)


def keep_end(tokens, limit: int, end: int):
    """The first ``limit`` tokens, except that the last ``end`` tokens (a pretrained layout's
    closing [SEP] or </s>) stay the last ones."""
    if not end:
        return tokens[:limit]
    return tokens[: limit - end] + tokens[-end:] if isinstance(tokens, list) else \
        torch.cat([tokens[: limit - end], tokens[-end:]])


class TaskDataset(torch.utils.data.Dataset):
    """One task's split: ``tokens[i]`` (1-D LongTensor) and ``labels[i]`` (or None). ``end``:
    how many closing tokens a cut sentence keeps (see :func:`keep_end`)."""

    def __init__(self, tokens, labels: Optional[np.ndarray], truncate: Optional[int] = None,
                 end: int = 0):
        self.tokens = tokens
        self.labels = labels
        self.end = end
        self.full_sizes = np.asarray(tokens.sizes, dtype=np.int64)
        if labels is not None and len(labels) != len(self.full_sizes):
            raise ValueError(f"{len(self.full_sizes)} sentences but {len(labels)} labels")
        self.set_truncation(truncate)

    def set_truncation(self, truncate: Optional[int]) -> int:
        """Cut sentences to ``truncate`` tokens from now on (None: never); returns how many are
        longer (each is kept, cut)."""
        self.truncate = truncate
        self.n_truncated = int((self.full_sizes > truncate).sum()) if truncate else 0
        self.sizes = np.minimum(self.full_sizes, truncate) if truncate else self.full_sizes
        return self.n_truncated

    def __len__(self) -> int:
        return len(self.sizes)

    def __getitem__(self, i: int):
        tokens = self.tokens[i].long()
        if self.truncate and len(tokens) > self.truncate:
            tokens = keep_end(tokens, self.truncate, self.end)
        # an int class id, or a float score (regression labels are stored as float32)
        label = None if self.labels is None else self.labels[i].item()
        return tokens, label


class MultiTaskDataset(FairseqDataset):
    """All tasks of one split in a single fairseq dataset.

    Args:
        task_names: names in task-id order.
        labeled: one :class:`TaskDataset` per task (the split's labeled data).
        pad: padding index.
        unlabeled: optional per-task unlabeled :class:`TaskDataset` (training only); each
            labeled batch of task k then carries as many unlabeled task-k sentences, which feed
            only the adversarial loss.
    """

    def __init__(
        self,
        task_names: Sequence[str],
        labeled: Sequence[TaskDataset],
        pad: int,
        unlabeled: Optional[Sequence[Optional[TaskDataset]]] = None,
    ):
        super().__init__()
        self.task_names = list(task_names)
        self.labeled = list(labeled)
        self.unlabeled = list(unlabeled) if unlabeled is not None else None
        self.pad = pad
        parts = self.labeled + [u for u in (self.unlabeled or []) if u is not None]
        self.offsets = np.cumsum([0] + [len(d) for d in parts])
        self._parts = parts
        self._part_task = list(range(len(self.labeled))) + [
            k for k, u in enumerate(self.unlabeled or []) if u is not None
        ]
        self._unlabeled_part = {
            k: len(self.labeled) + j
            for j, k in enumerate(k for k, u in enumerate(self.unlabeled or []) if u is not None)
        }
        self.sizes = np.concatenate([d.sizes for d in parts]) if parts else np.zeros(0, int)
        self.epoch = 1

    def set_truncation(self, truncate: Optional[int]) -> dict:
        """Cut every task's sentences (unlabeled ones too) to ``truncate`` tokens; returns
        {task: sentences cut} of the labeled data."""
        for part in self._parts:
            part.set_truncation(truncate)
        self.sizes = (np.concatenate([d.sizes for d in self._parts]) if self._parts
                      else np.zeros(0, int))
        return {n: d.n_truncated for n, d in zip(self.task_names, self.labeled) if d.n_truncated}

    # --- index arithmetic -------------------------------------------------------------------
    def _locate(self, index: int):
        part = int(np.searchsorted(self.offsets, index, side="right") - 1)
        return part, index - int(self.offsets[part])

    def task_indices(self, task_id: int) -> np.ndarray:
        return np.arange(self.offsets[task_id], self.offsets[task_id + 1])

    def unlabeled_indices(self, task_id: int) -> Optional[np.ndarray]:
        part = self._unlabeled_part.get(task_id)
        if part is None:
            return None
        return np.arange(self.offsets[part], self.offsets[part + 1])

    # --- FairseqDataset API -----------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, index: int):
        part, local = self._locate(index)
        tokens, label = self._parts[part][local]
        return {
            "id": index,
            "task_id": self._part_task[part],
            "unlabeled": part >= len(self.labeled),
            "source": tokens,
            "target": label,
        }

    def num_tokens(self, index: int) -> int:
        return int(self.sizes[index])

    def num_tokens_vec(self, indices):
        return self.sizes[indices]

    def size(self, index: int) -> int:
        return int(self.sizes[index])

    def ordered_indices(self):
        return np.arange(len(self))

    @property
    def supports_prefetch(self) -> bool:
        return False

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _pad(self, samples):
        return pad_tokens([s["source"] for s in samples], self.pad)  # B x T, B

    def collater(self, samples):
        if len(samples) == 0:
            return {}
        labeled = [s for s in samples if not s["unlabeled"]]
        unlabeled = [s for s in samples if s["unlabeled"]]
        task_ids = {s["task_id"] for s in samples}
        if len(task_ids) != 1:
            raise ValueError(f"a batch must hold one task, got task ids {sorted(task_ids)}")
        task_id = task_ids.pop()
        batch = {"task_id": task_id, "task": self.task_names[task_id]}
        if labeled:
            tokens, lengths = self._pad(labeled)
            batch.update(
                id=torch.tensor([s["id"] for s in labeled], dtype=torch.long),
                nsentences=len(labeled),
                ntokens=int(lengths.sum()),
                net_input={"src_tokens": tokens, "src_lengths": lengths, "task_id": task_id},
                target=torch.tensor(
                    [s["target"] for s in labeled],
                    dtype=torch.float if isinstance(labeled[0]["target"], float) else torch.long,
                ),
            )
        else:
            batch.update(nsentences=0, ntokens=0)
        if unlabeled:
            tokens, lengths = self._pad(unlabeled)
            batch["unlabeled"] = {"src_tokens": tokens, "src_lengths": lengths,
                                  "task_id": task_id}
        return batch

    # --- batches -----------------------------------------------------------------------------
    def task_batches(
        self,
        task_id: int,
        rng: Optional[np.random.RandomState],
        max_tokens: Optional[int],
        max_sentences: Optional[int],
        required_batch_size_multiple: int = 1,
        bucketed: bool = True,
    ) -> List[np.ndarray]:
        """Split one task's examples into batches that hold every example exactly once.

        With ``rng`` (training) the examples are shuffled first; ``bucketed`` then sorts them by
        length (stable, so equal lengths stay shuffled) so that a batch holds similar lengths.
        The batch list is then shuffled. Without ``rng`` (evaluation) the order is the file
        order, sorted by length if bucketed.

        fairseq's ``batch_by_size`` cuts full batches to a multiple of
        ``required_batch_size_multiple`` (``--required-batch-size-multiple``, default 8) and then
        DROPS the last batch when its size is not such a multiple; bucketed, that is always the
        task's longest sentences. The dropped batch is put back here, smaller than the others.
        """
        indices = self.task_indices(task_id)
        if rng is not None:
            indices = indices[rng.permutation(len(indices))]
        if bucketed:
            indices = indices[np.argsort(self.sizes[indices], kind="mergesort")]
        if max_tokens is not None and len(indices):
            longest = int(np.argmax(self.sizes[indices]))
            if self.sizes[indices[longest]] > max_tokens:
                index = int(indices[longest])
                raise ValueError(
                    f"task {self.task_names[task_id]!r}, example {index - self.offsets[task_id]} "
                    f"of this split has {self.sizes[index]} tokens, more than --max-tokens "
                    f"{max_tokens}: raise --max-tokens, or cut sentences with --truncate-length"
                )
        batches = data_utils.batch_by_size(
            indices,
            num_tokens_fn=self.num_tokens,
            num_tokens_vec=self.sizes[indices],
            max_tokens=max_tokens,
            max_sentences=max_sentences,
            required_batch_size_multiple=required_batch_size_multiple,
        )
        batches = [np.asarray(b, dtype=np.int64) for b in batches]
        kept = sum(len(b) for b in batches)
        if kept < len(indices):
            # batch_by_size cuts `indices` into consecutive runs: what it dropped is the tail
            batches.append(np.asarray(indices[kept:], dtype=np.int64))
        if rng is not None:
            # bucketing sorted the batches by length: shuffle them, or every epoch would run
            # from the shortest to the longest sentences
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return batches


def batch_count(n: int, max_sentences: int, required_batch_size_multiple: int = 8) -> int:
    """How many batches :meth:`MultiTaskDataset.task_batches` cuts ``n`` examples into with
    ``max_sentences`` and no ``max_tokens``: fairseq's full batches, its last batch when it is
    a multiple of ``required_batch_size_multiple``, and the remainder it drops, put back (so
    3,668 examples in batches of 32 make 114 x 32 + 16 + 4: 116 batches, not 115)."""
    if n == 0:
        return 0
    batches = data_utils.batch_by_size(
        np.arange(n), num_tokens_fn=lambda i: 1, num_tokens_vec=np.ones(n, dtype=np.int64),
        max_tokens=None, max_sentences=max_sentences,
        required_batch_size_multiple=required_batch_size_multiple)
    return len(batches) + (1 if sum(len(b) for b in batches) < n else 0)


def check_partition(batches: Sequence[np.ndarray], indices: np.ndarray, what: str) -> None:
    """Raise unless ``batches`` hold every index of ``indices`` exactly once (no example lost,
    none repeated). Cheap: one sort of the epoch's indices."""
    flat = np.sort(np.concatenate(batches)) if batches else np.zeros(0, np.int64)
    expected = np.sort(np.asarray(indices, dtype=np.int64))
    if len(flat) != len(expected) or not np.array_equal(flat, expected):
        missing = np.setdiff1d(expected, flat)
        raise RuntimeError(
            f"{what}: the batches hold {len(flat)} examples, the data {len(expected)} "
            f"({len(missing)} missing, e.g. {missing[:5].tolist()}): refusing to train or "
            f"score on a partial split"
        )


def attach_unlabeled(
    dataset: MultiTaskDataset, ordered: List[np.ndarray], rng: np.random.RandomState
) -> List[np.ndarray]:
    """Append to each batch of task k as many unlabeled task-k indices, cycling through a
    shuffled stream of that task's unlabeled sentences."""
    streams = {}
    positions = {}
    out = []
    for batch in ordered:
        part, _ = dataset._locate(int(batch[0]))
        task_id = dataset._part_task[part]
        pool = dataset.unlabeled_indices(task_id)
        if pool is None or len(pool) == 0:
            out.append(batch)
            continue
        taken = []
        while len(taken) < len(batch):
            if task_id not in streams or positions[task_id] >= len(streams[task_id]):
                streams[task_id] = pool[rng.permutation(len(pool))]
                positions[task_id] = 0
            need = len(batch) - len(taken)
            chunk = streams[task_id][positions[task_id] : positions[task_id] + need]
            positions[task_id] += len(chunk)
            taken.extend(chunk.tolist())
        out.append(np.concatenate([batch, np.asarray(taken, dtype=np.int64)]))
    return out


