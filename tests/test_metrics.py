"""Official GLUE metrics from summable counts agree with the reference implementations."""
import random

import numpy as np
import pytest
from sklearn.metrics import f1_score, matthews_corrcoef

from fairseq_mtl.metrics import (binary_confusion, f1, glue_average, matthews,
                                 pearson_from_sums, spearman, task_metrics)

pytestmark = pytest.mark.fast


def test_confusion_metrics_match_sklearn():
    rng = random.Random(0)
    p = [rng.randrange(2) for _ in range(200)]
    t = [rng.randrange(2) for _ in range(200)]
    c = binary_confusion(p, t)
    assert matthews(*(c[k] for k in ("tp", "fp", "fn", "tn"))) == pytest.approx(
        matthews_corrcoef(t, p))
    assert f1(c["tp"], c["fp"], c["fn"]) == pytest.approx(f1_score(t, p))
    assert matthews(0, 0, 0, 10) == 0.0  # a constant prediction: 0, not NaN


def test_pearson_from_sums_and_spearman():
    rng = np.random.RandomState(0)
    x, y = rng.rand(50), rng.rand(50)
    sums = (len(x), x.sum(), y.sum(), (x * x).sum(), (y * y).sum(), (x * y).sum())
    assert pearson_from_sums(*sums) == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert spearman([1, 2, 3], [10, 30, 20]) == pytest.approx(0.5)
    m = task_metrics("pearson_spearman", dict(zip(("n", "sx", "sy", "sxx", "syy", "sxy"), sums)),
                     (list(x), list(y)))
    assert m["score"] == pytest.approx((m["pearson"] + m["spearman"]) / 2, abs=0.01)


def test_glue_average_counts_mnli_matched_and_mismatched_as_one_task():
    assert glue_average({"RTE": 60.0, "MNLI": 80.0, "MNLI-mm": 70.0}) == 67.5
