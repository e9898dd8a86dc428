"""The official metric of each task, as objects: counts from a batch that add up over batches and
workers, then the scores.

==================  =========================================  ==================================
``Metric.name``     counts (summable)                          scores (percent) and ``score``
==================  =========================================  ==================================
``accuracy``        n, correct                                 accuracy; score = accuracy
``mcc`` (CoLA)      n, correct, tp, fp, fn, tn                 accuracy, mcc; score = mcc
``f1_acc`` (MRPC,   n, correct, tp, fp, fn, tn                 accuracy, f1 (of label 1); score =
QQP)                                                           their mean, as GLUE averages them
``pearson_spearman``  n, sx, sy, sxx, syy, sxy                 pearson (exact from the sums),
(STS-B)                                                        spearman (needs every value: only
                                                               at evaluation); score = their mean
==================  =========================================  ==================================

The criterion logs every task's counts and derives the scores from them (during training
Pearson alone stands for STS-B's score); ``fairseq-mtl-evaluate`` counts a whole split at once
and adds Spearman; the GLUE table reads which metric a row has from the same objects. Scores
are in percent (x100), like accuracies, so that averages over tasks mix them as GLUE does.
"""
from __future__ import annotations

import math
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

CONFUSION = ("tp", "fp", "fn", "tn")
REGRESSION_SUMS = ("sx", "sy", "sxx", "syy", "sxy")


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


def binary_confusion(predictions, targets) -> Dict[str, int]:
    """tp/fp/fn/tn of label 1 (the positive class of CoLA, MRPC, QQP)."""
    p, t = np.asarray(predictions) == 1, np.asarray(targets) == 1
    return {"tp": int((p & t).sum()), "fp": int((p & ~t).sum()),
            "fn": int((~p & t).sum()), "tn": int((~p & ~t).sum())}


def _round(scores: Dict[str, float], digits: Optional[int]) -> Dict[str, float]:
    return scores if digits is None else {k: round(v, digits) for k, v in scores.items()}


class Metric:
    """A task's metric: ``counts`` of a batch (summable), ``scores`` from summed counts."""

    name = "base"
    #: the summable counts, with the zero of each (its type is kept across workers: fairseq
    #: all-reduces Python ints and floats in separate buffers)
    zero: Dict[str, float] = {}
    #: the scores logged during training (``{task}/<name>``); "accuracy" is logged as "acc"
    logged: Tuple[str, ...] = ()
    #: the scores only this metric has (how an evaluation row shows which metric it holds)
    own: Tuple[str, ...] = ()
    #: how the GLUE table names the task's score
    label = ""
    regression = False

    def counts(self, predictions, targets) -> Dict[str, float]:
        raise NotImplementedError

    def scores(self, counts: Dict[str, float], values: Optional[tuple] = None,
               digits: Optional[int] = 2) -> Dict[str, float]:
        """Every score (percent) and ``score``; ``values`` = (predictions, targets) when a
        score needs all of them (Spearman). Empty when the counts hold no example."""
        raise NotImplementedError


class Accuracy(Metric):
    name = "accuracy"
    zero = {"n": 0, "correct": 0}
    logged = ("accuracy",)
    label = "acc"

    def counts(self, predictions, targets):
        p, t = np.asarray(predictions), np.asarray(targets)
        return {"n": int(t.size), "correct": int((p == t).sum())}

    def scores(self, counts, values=None, digits=2):
        if not counts.get("n"):
            return {}
        accuracy = 100.0 * counts["correct"] / counts["n"]
        return _round(self._scores(counts, accuracy), digits)

    def _scores(self, counts, accuracy):
        return {"accuracy": accuracy, "score": accuracy}


class Matthews(Accuracy):
    name = "mcc"
    zero = {"n": 0, "correct": 0, **dict.fromkeys(CONFUSION, 0)}
    logged = ("accuracy", "mcc")
    own = ("mcc",)
    label = "MCC"

    def counts(self, predictions, targets):
        return {**super().counts(predictions, targets),
                **binary_confusion(predictions, targets)}

    def _scores(self, counts, accuracy):
        mcc = 100.0 * matthews(*(counts[k] for k in CONFUSION))
        return {"accuracy": accuracy, "mcc": mcc, "score": mcc}


class F1Accuracy(Matthews):
    name = "f1_acc"
    logged = ("accuracy", "f1")
    own = ("f1",)
    label = "(F1+acc)/2"

    def _scores(self, counts, accuracy):
        value = 100.0 * f1(counts["tp"], counts["fp"], counts["fn"])
        return {"accuracy": accuracy, "f1": value, "score": (value + accuracy) / 2}


class PearsonSpearman(Metric):
    name = "pearson_spearman"
    zero = {"n": 0, **dict.fromkeys(REGRESSION_SUMS, 0.0)}
    logged = ("pearson",)
    own = ("pearson",)
    label = "(Pearson+Spearman)/2"
    regression = True

    def counts(self, predictions, targets):
        p = np.asarray(predictions, dtype=np.float64)
        t = np.asarray(targets, dtype=np.float64)
        return {"n": int(t.size), "sx": float(p.sum()), "sy": float(t.sum()),
                "sxx": float((p * p).sum()), "syy": float((t * t).sum()),
                "sxy": float((p * t).sum())}

    def scores(self, counts, values=None, digits=2):
        """Pearson (and Spearman with ``values``); where they are undefined (fewer than two
        examples, or all predictions or all gold scores equal) they count as 0 during training,
        which needs a number to select on, while evaluation (``values`` given) returns only
        ``{"undefined": why}``: an evaluation table shows '-', not a score of 0."""
        if not counts.get("n"):
            return {}
        why = self.undefined(counts)
        if why and values is not None:
            return {"undefined": why}
        out = {"pearson": 100 * pearson_from_sums(*(counts[k] for k in ("n",) + REGRESSION_SUMS))}
        parts = [out["pearson"]]
        if values is not None:
            out["spearman"] = 100 * spearman(*values)
            parts.append(out["spearman"])
        out["score"] = sum(parts) / len(parts)
        return _round(out, digits)

    @staticmethod
    def undefined(counts) -> Optional[str]:
        """Why a correlation of these counts is undefined; None when it is defined."""
        n = counts["n"]
        if n < 2:
            return f"a correlation needs at least 2 examples, the split has {int(n)}"
        if n * counts["sxx"] - counts["sx"] ** 2 <= 1e-12 * max(1.0, counts["sxx"] * n):
            return "every prediction is the same value: no correlation is defined"
        if n * counts["syy"] - counts["sy"] ** 2 <= 1e-12 * max(1.0, counts["syy"] * n):
            return "every gold score is the same: no correlation is defined"
        return None


METRICS: Dict[str, Metric] = {m.name: m for m in (Accuracy(), Matthews(), F1Accuracy(),
                                                  PearsonSpearman())}


def get_metric(name: str) -> Metric:
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; known: {sorted(METRICS)}")
    return METRICS[name]


def metric_of_row(row: Dict) -> Metric:
    """The metric of an evaluation row (``fairseq-mtl-evaluate``'s JSON): its ``metric`` key, or,
    in records written before rows named it, the metric whose own scores the row has."""
    if "metric" in row:
        return get_metric(row["metric"])
    return next((m for m in METRICS.values() if m.own and set(m.own) <= set(row)),
                METRICS["accuracy"])


def glue_average(scores: Dict[str, float]) -> float:
    """The GLUE-style average over tasks of each task's score; MNLI's matched and mismatched
    scores count as the two metrics of one task (averaged first)."""
    merged = dict(scores)
    mnli = [merged.pop(k) for k in ("MNLI", "MNLI-mm") if k in merged]
    if mnli:
        merged["MNLI"] = sum(mnli) / len(mnli)
    return round(sum(merged.values()) / len(merged), 2) if merged else float("nan")
