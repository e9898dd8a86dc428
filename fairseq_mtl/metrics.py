"""The official metric of each task, from counts and sums that add up over batches and workers.

* ``accuracy``: correct / n.
* ``mcc`` (CoLA): Matthews correlation from the binary confusion counts.
* ``f1_acc`` (MRPC, QQP): F1 of the positive class (label 1) and accuracy; the task's score is
  their mean, as the GLUE leaderboard averages a task's metrics.
* ``pearson_spearman`` (STS-B): Pearson r from the sums n, Sx, Sy, Sxx, Syy, Sxy (exact, so it
  can be logged during training); Spearman needs every value and is computed by the evaluation
  command. The task's score is their mean (Pearson alone while training).

Scores are in percent (x100), like accuracies, so that averages over tasks mix them as GLUE
does.
"""
from __future__ import annotations

import math
from typing import Dict, Iterable, Optional, Sequence

METRICS = ("accuracy", "mcc", "f1_acc", "pearson_spearman")
REGRESSION_SUMS = ("sx", "sy", "sxx", "syy", "sxy")
CONFUSION = ("tp", "fp", "fn", "tn")


def matthews(tp: float, fp: float, fn: float, tn: float) -> float:
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return 0.0 if denominator == 0 else (tp * tn - fp * fn) / denominator


def f1(tp: float, fp: float, fn: float) -> float:
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def pearson_from_sums(n: float, sx: float, sy: float, sxx: float, syy: float,
                      sxy: float) -> float:
    cov = n * sxy - sx * sy
    var = (n * sxx - sx * sx) * (n * syy - sy * sy)
    return 0.0 if var <= 0 else cov / math.sqrt(var)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    if len(x) < 2:
        return 0.0
    value = spearmanr(x, y).statistic
    return 0.0 if value != value else float(value)


def binary_confusion(predictions: Iterable[int], targets: Iterable[int]) -> Dict[str, int]:
    c = dict.fromkeys(CONFUSION, 0)
    for p, t in zip(predictions, targets):
        c[("t" if p == t else "f") + ("p" if p == 1 else "n")] += 1
    return c


def task_metrics(metric: str, counts: Dict[str, float],
                 values: Optional[tuple] = None) -> Dict[str, float]:
    """Every metric of a task (percent) and its ``score``, from the summed ``counts`` (n,
    correct, tp/fp/fn/tn, regression sums) and, for Spearman, all (predictions, targets)."""
    n = counts.get("n", 0)
    out: Dict[str, float] = {}
    if n == 0:
        return out
    if metric == "pearson_spearman":
        out["pearson"] = 100 * pearson_from_sums(n, *(counts[k] for k in REGRESSION_SUMS))
        parts = [out["pearson"]]
        if values is not None:
            out["spearman"] = 100 * spearman(*values)
            parts.append(out["spearman"])
        out["score"] = sum(parts) / len(parts)
        return {k: round(v, 2) for k, v in out.items()}
    out["accuracy"] = 100 * counts["correct"] / n
    if metric == "mcc":
        out["mcc"] = 100 * matthews(*(counts[k] for k in CONFUSION))
        out["score"] = out["mcc"]
    elif metric == "f1_acc":
        out["f1"] = 100 * f1(counts["tp"], counts["fp"], counts["fn"])
        out["score"] = (out["f1"] + out["accuracy"]) / 2
    else:
        out["score"] = out["accuracy"]
    return {k: round(v, 2) for k, v in out.items()}


def glue_average(scores: Dict[str, float]) -> float:
    """The GLUE-style average over tasks of each task's score; MNLI's matched and mismatched
    scores count as the two metrics of one task (averaged first)."""
    merged = dict(scores)
    mnli = [merged.pop(k) for k in ("MNLI", "MNLI-mm") if k in merged]
    if mnli:
        merged["MNLI"] = sum(mnli) / len(mnli)
    return round(sum(merged.values()) / len(merged), 2) if merged else float("nan")
