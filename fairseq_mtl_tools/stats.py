"""How the result tables write values over seeds: a cell (mean ±std), and the one interval they
quote, a mean and its 95 % Student t interval."""
from __future__ import annotations

import statistics
from typing import Sequence, Tuple


def t_interval(values: Sequence[float], level: float = 0.95) -> Tuple[float, float]:
    """``(mean, half_width)`` of the two-sided ``level`` t interval of the mean of ``values``
    (paired differences over seeds, say): mean ± half_width. Needs at least two values."""
    from scipy import stats

    if len(values) < 2:
        raise ValueError(f"a t interval needs at least 2 values, got {len(values)}")
    half = (stats.t.ppf(0.5 + level / 2, len(values) - 1) * statistics.stdev(values)
            / len(values) ** 0.5)
    return statistics.mean(values), half


def mean_std(values: Sequence[float], digits: int = 1) -> str:
    """A table cell: '-' for no value, the value for one, else mean ±(sample) std."""
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ±{statistics.stdev(values):.{digits}f}"


def seeds_for_half_width(sd: float, half_width: float, level: float = 0.95,
                         at_most: int = 1000) -> int:
    """The smallest number of paired seeds n whose ``level`` t interval is at most
    ± ``half_width`` if the paired differences keep the standard deviation ``sd``:
    t(n - 1) * sd / sqrt(n) <= half_width (``at_most`` + 1 when even that many do not do)."""
    from scipy import stats

    for n in range(2, at_most + 1):
        if stats.t.ppf(0.5 + level / 2, n - 1) * sd / n ** 0.5 <= half_width:
            return n
    return at_most + 1


def paired_t_p(differences: Sequence[float]) -> float:
    """Two-sided p of the t test that paired ``differences`` have mean zero: the test whose
    95 % interval the tables quote (zero is outside it exactly when p < 0.05)."""
    from scipy import stats

    if len(differences) < 2:
        raise ValueError(f"a t test needs at least 2 values, got {len(differences)}")
    return float(stats.ttest_1samp(differences, 0.0).pvalue)


def signed_rank_p(differences: Sequence[float]) -> float:
    """Two-sided p of Wilcoxon's signed-rank test that paired ``differences`` centre on zero:
    the check on a t interval that one or two large differences do not drive (exact for the
    small, tie-free samples of a seed study; scipy's default method otherwise)."""
    from scipy import stats

    if len(differences) < 2:
        raise ValueError(f"a signed-rank test needs at least 2 values, got {len(differences)}")
    return float(stats.wilcoxon(differences).pvalue)


def welch_interval(values: Sequence[float], reference: Sequence[float],
                   level: float = 0.95) -> Tuple[float, float]:
    """``(mean difference, half_width)`` of the Welch t interval of mean(values) -
    mean(reference), the two samples taken as independent (Welch-Satterthwaite degrees of
    freedom). Beside a paired interval it shows what the pairing bought: the two agree when the
    arms are uncorrelated over seeds, and the paired one is wider when they are anti-correlated."""
    from scipy import stats

    if len(values) < 2 or len(reference) < 2:
        raise ValueError("a Welch interval needs at least 2 values on each side")
    va = statistics.variance(values) / len(values)
    vb = statistics.variance(reference) / len(reference)
    df = (va + vb) ** 2 / (va ** 2 / (len(values) - 1) + vb ** 2 / (len(reference) - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * (va + vb) ** 0.5
    return statistics.mean(values) - statistics.mean(reference), half
