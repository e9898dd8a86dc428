"""Predicting whether an auxiliary task helps a main task (Bingel & Sogaard 2017, Sec. 4).

Each ordered pair (main, aux) is described by 42 features: the 14 task features of the main
task, of the auxiliary task, and their ratio main/aux. The label is whether the pair's run beat
the main task's single-task run (gain > 0). A logistic regression (features standardised on the
training folds) is scored with 5-fold stratified cross-validation repeated 100 times, against
the majority baseline (the training folds' majority label); the same with the data features
only and the learning-curve features only (their Table 3).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from fairseq_mtl_tools.relations.features import CURVE_FEATURES, DATA_FEATURES, TASK_FEATURES

GROUPS = {"all": TASK_FEATURES, "data": DATA_FEATURES, "curve": CURVE_FEATURES}


def feature_names(per_task: Sequence[str] = TASK_FEATURES) -> List[str]:
    return ([f"{f} (main)" for f in per_task] + [f"{f} (aux)" for f in per_task]
            + [f"{f} (main/aux)" for f in per_task])


def pair_vector(main: Dict[str, float], aux: Dict[str, float],
                per_task: Sequence[str] = TASK_FEATURES) -> np.ndarray:
    m = np.array([main[f] for f in per_task], dtype=float)
    a = np.array([aux[f] for f in per_task], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(a != 0, m / a, np.nan)
    return np.concatenate([m, a, ratio])


def centered_gains(pairs: Sequence[Tuple[str, str]], gains: Sequence[float]) -> np.ndarray:
    """Each pair's gain minus the median gain of its main task's pairs: above zero when the
    auxiliary helps its main task more than its typical auxiliary does. Binarised, these are the
    "relative" labels: balanced by construction, and only auxiliary and ratio features can
    separate them (the main task's features are constant within its pairs)."""
    gains = np.asarray(gains, dtype=float)
    mains = np.array([m for m, _ in pairs])
    out = np.empty_like(gains)
    for main in set(mains.tolist()):
        rows = mains == main
        out[rows] = gains[rows] - np.median(gains[rows])
    return out


def design(pairs: Sequence[Tuple[str, str]], features: Dict[str, Dict[str, float]],
           per_task: Sequence[str] = TASK_FEATURES) -> np.ndarray:
    return np.stack([pair_vector(features[m], features[a], per_task) for m, a in pairs])


def usable_columns(x: np.ndarray) -> np.ndarray:
    """Columns that are finite everywhere and not constant (e.g. #labels when every task has
    two, or OOV rate without pretrained vectors)."""
    finite = np.isfinite(x).all(axis=0)
    spread = np.zeros(x.shape[1], dtype=bool)
    spread[finite] = x[:, finite].std(axis=0) > 0
    return finite & spread


def _model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def cross_validate(x: np.ndarray, y: np.ndarray, repeats: int = 100, folds: int = 5,
                   seed: int = 1, groups: Optional[Sequence] = None) -> Dict[str, Dict[str, float]]:
    """Mean and std over the repeats of accuracy and F1 (gain = positive class), for the
    logistic regression and the majority baseline. With ``groups`` (e.g. each pair's main task)
    a group's pairs stay in one fold (StratifiedGroupKFold): a held-out main task is then
    predicted from the others only, as a suggestion for a new task is."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if len(set(y.tolist())) < 2 or np.bincount(y).min() < folds:
        raise ValueError(f"{len(y)} pairs with {int(y.sum())} gains: every class needs at least "
                         f"{folds} pairs for {folds}-fold cross-validation")
    scores = {"model": {"acc": [], "f1": []}, "majority": {"acc": [], "f1": []}}
    for r in range(repeats):
        pred = np.zeros_like(y)
        base = np.zeros_like(y)
        splitter = (StratifiedKFold(folds, shuffle=True, random_state=seed + r) if groups is None
                    else StratifiedGroupKFold(folds, shuffle=True, random_state=seed + r))
        for train, test in splitter.split(x, y, groups):
            pred[test] = _model().fit(x[train], y[train]).predict(x[test])
            base[test] = int(np.bincount(y[train], minlength=2).argmax())
        for name, p in (("model", pred), ("majority", base)):
            scores[name]["acc"].append(accuracy_score(y, p))
            scores[name]["f1"].append(f1_score(y, p, zero_division=0))
    return {name: {f"{k}_{stat}": float(getattr(np, stat)(v)) for k, v in s.items()
                   for stat in ("mean", "std")} for name, s in scores.items()}


def coefficients(x: np.ndarray, y: np.ndarray, names: Sequence[str]) -> List[Tuple[str, float]]:
    """Standardised coefficients of the model fitted on all pairs, largest |coef| first."""
    model = _model().fit(x, y)
    coef = model[-1].coef_[0]
    return sorted(zip(names, coef.tolist()), key=lambda kv: -abs(kv[1]))


class GainPredictor:
    """Logistic regression on pair features; ``columns`` are the usable feature columns."""

    def __init__(self, per_task: Sequence[str] = TASK_FEATURES):
        self.per_task = list(per_task)
        self.columns: Optional[np.ndarray] = None
        self.model = None

    def fit(self, pairs, gains, features):
        x = design(pairs, features, self.per_task)
        self.columns = usable_columns(x)
        y = (np.asarray(gains) > 0).astype(int)
        self.model = _model().fit(x[:, self.columns], y)
        return self

    def probability(self, pairs, features) -> np.ndarray:
        x = design(pairs, features, self.per_task)[:, self.columns]
        if not np.isfinite(x).all():
            raise ValueError("a candidate pair has a missing feature (a curve fit failed?)")
        return self.model.predict_proba(x)[:, 1]


def suggest(main: str, candidates: Sequence[str], features: Dict[str, Dict[str, float]],
            train_pairs, train_gains, top: int = 3,
            relative: bool = False) -> List[Tuple[str, float]]:
    """Rank the candidate auxiliaries of ``main`` by the predicted probability of a gain
    (``relative``: of a gain above the main task's median one, see ``centered_gains``). Only
    the single-task features of ``main`` are needed; pairs with ``main`` as main task should
    not be in the training pairs when measuring the suggestion (the caller leaves them out)."""
    cands = [c for c in candidates if c != main]
    if relative:
        train_gains = centered_gains(train_pairs, train_gains)
    predictor = GainPredictor().fit(train_pairs, train_gains, features)
    probs = predictor.probability([(main, c) for c in cands], features)
    ranked = sorted(zip(cands, probs.tolist()), key=lambda kv: -kv[1])
    return ranked[:top]
