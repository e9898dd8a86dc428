"""Task features of Bingel & Sogaard (2017, Table 2): seven from the data, seven from the
single-task learning curve; 14 per task.

Data (training split unless said): size (#sentences), #labels, type/token ratio, OOV rate
(share of training tokens without a pretrained vector), label entropy (bits), Frobenius norm of
the sentence x term-frequency matrix, Jensen-Shannon divergence between the train and test
bags of words. Curve (dev loss of the single-task run on its update grid): gradients at
10/20/30/50/70 % of training, and a, c of the fitted L(i) = a ln(c i + d) + b (d = 1, see
``fit_log_curve``).
"""
import math
import os
from typing import Dict, List, Optional, Sequence

import numpy as np

DATA_FEATURES = ["size", "labels", "type_token", "oov_rate", "label_entropy", "frobenius",
                 "jsd_train_test"]
CURVE_POINTS = (10, 20, 30, 50, 70)
CURVE_FEATURES = [f"grad_{p}" for p in CURVE_POINTS] + ["curve_a", "curve_c"]
TASK_FEATURES = DATA_FEATURES + CURVE_FEATURES


def _token_arrays(data: str, task: str, split: str) -> List[np.ndarray]:
    from fairseq.data.indexed_dataset import make_dataset

    from fairseq_mtl.data.manifest import split_prefix

    prefix = split_prefix(data, task, split)
    dataset = make_dataset(prefix, impl="mmap")
    if dataset is None:
        raise FileNotFoundError(f"{prefix}.bin/.idx: no {split} split of task {task!r}")
    return [dataset[i].numpy() for i in range(len(dataset))]


def entropy_bits(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def jensen_shannon(p_counts: np.ndarray, q_counts: np.ndarray) -> float:
    """JSD (base 2, in [0, 1]) between two bags of words given as count vectors."""
    p = p_counts / p_counts.sum()
    q = q_counts / q_counts.sum()
    m = (p + q) / 2

    def kl(a):
        mask = a > 0
        return float((a[mask] * np.log2(a[mask] / m[mask])).sum())

    return (kl(p) + kl(q)) / 2


def data_features(data: str, task: str, nspecial: int = 4) -> Dict[str, float]:
    """The seven data features of one task of a prepared data directory."""
    from fairseq_mtl.data.manifest import Manifest, split_prefix

    manifest = Manifest.load(data)
    entry = manifest.task(task)
    train = [t[t >= nspecial] for t in _token_arrays(data, task, "train")]
    test = [t[t >= nspecial] for t in _token_arrays(data, task, "test")]
    vocab = max(int(max((t.max() for t in train + test if len(t)), default=0)) + 1, nspecial)
    train_counts = np.bincount(np.concatenate(train), minlength=vocab).astype(np.float64)
    test_counts = np.bincount(np.concatenate(test), minlength=vocab).astype(np.float64)
    tokens = train_counts.sum()
    found_file = (manifest.embeddings or {}).get("found_file")
    if found_file and os.path.exists(os.path.join(data, found_file)):
        found = np.load(os.path.join(data, found_file)).astype(bool)[:vocab]
        found = np.pad(found, (0, vocab - len(found)))
        oov = float(train_counts[~found].sum() / tokens)
    else:
        oov = float("nan")  # no pretrained vectors: the feature does not exist
    labels = np.load(split_prefix(data, task, "train") + ".label.npy")
    if entry.type == "regression":
        label_entropy = float("nan")
    else:
        label_entropy = entropy_bits(np.bincount(labels.astype(np.int64),
                                                 minlength=entry.num_classes).astype(float))
    # ||X||_F with X[i, j] = count of term j in sentence i
    frobenius = math.sqrt(sum(float((np.bincount(t) ** 2).sum()) for t in train if len(t)))
    return {
        "size": float(len(train)),
        "labels": float(entry.num_classes),
        "type_token": float((train_counts > 0).sum() / tokens),
        "oov_rate": oov,
        "label_entropy": label_entropy,
        "frobenius": frobenius,
        "jsd_train_test": jensen_shannon(train_counts, test_counts),
    }


def log_curve(i, a, c, b, d=1.0):
    return a * np.log(c * i + d) + b


def fit_log_curve(updates: Sequence[float], losses: Sequence[float], task: str = "?"):
    """Fit L(i) = a ln(c i + d) + b; returns (a, c) or raises ValueError naming the task.

    d is held at 1: with d free the curve is over-parameterised (a ln(c i + d) + b =
    a ln(i + d/c) + (a ln c + b)), so c and b trade off and the fitted c means nothing. With
    d = 1, 1/c is the number of updates after which the loss starts to fall logarithmically.
    """
    from scipy.optimize import curve_fit

    x = np.asarray(updates, dtype=float)
    y = np.asarray(losses, dtype=float)
    if len(x) < 3:
        raise ValueError(f"{task}: {len(x)} dev-loss points; the log curve needs at least 3 "
                         f"(record more points: a longer run or a finer grid)")
    scale = x.max()
    try:
        (a, c, b), _ = curve_fit(
            log_curve, x / scale, y, p0=(-0.1, 1.0, float(y[0])),
            bounds=([-np.inf, 1e-6, -np.inf], [np.inf, 1e6, np.inf]), maxfev=20000)
    except (RuntimeError, ValueError) as e:
        raise ValueError(f"{task}: the log curve L(i) = a ln(c i + 1) + b could not be fitted "
                         f"to its {len(x)} dev-loss points ({e})") from e
    return float(a), float(c / scale)  # c in 1/update


def curve_gradients(updates: Sequence[float], losses: Sequence[float],
                    total: float) -> Dict[str, float]:
    """d loss / d update at 10/20/30/50/70 % of ``total`` updates (central differences on the
    recorded grid, linearly interpolated)."""
    x = np.asarray(updates, dtype=float)
    y = np.asarray(losses, dtype=float)
    if len(x) < 2:
        return {f"grad_{p}": float("nan") for p in CURVE_POINTS}
    grad = np.gradient(y, x)
    return {f"grad_{p}": float(np.interp(total * p / 100, x, grad)) for p in CURVE_POINTS}


def curve_features(curve: List[Dict[str, float]], total: float, task: str,
                   warnings: Optional[List[str]] = None) -> Dict[str, float]:
    updates = [p["update"] for p in curve]
    losses = [p["loss"] for p in curve]
    feats = curve_gradients(updates, losses, total)
    try:
        feats["curve_a"], feats["curve_c"] = fit_log_curve(updates, losses, task)
    except ValueError as e:
        if warnings is None:
            raise
        warnings.append(str(e))
        feats["curve_a"] = feats["curve_c"] = float("nan")
    return feats
