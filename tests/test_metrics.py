"""Official GLUE metrics from summable counts agree with the reference implementations."""
import random

import numpy as np
import pytest
from sklearn.metrics import f1_score, matthews_corrcoef

from fairseq_mtl.metrics import (
    METRICS,
    binary_confusion,
    f1,
    get_metric,
    glue_average,
    matthews,
    metric_of_row,
    pearson_from_sums,
    spearman,
)

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
    m = get_metric("pearson_spearman").scores(
        dict(zip(("n", "sx", "sy", "sxx", "syy", "sxy"), sums)), (list(x), list(y)))
    assert m["score"] == pytest.approx((m["pearson"] + m["spearman"]) / 2, abs=0.01)


def test_glue_average_counts_mnli_matched_and_mismatched_as_one_task():
    assert glue_average({"RTE": 60.0, "MNLI": 80.0, "MNLI-mm": 70.0}) == 67.5


@pytest.mark.parametrize("name", sorted(METRICS))
def test_counts_of_batches_add_up_to_the_counts_of_the_whole(name):
    """What makes a metric loggable across batches and workers: counting two halves and adding
    gives the counts (and so the scores) of the whole."""
    metric = get_metric(name)
    rng = np.random.RandomState(1)
    if metric.regression:
        p, t = rng.rand(40) * 5, rng.rand(40) * 5
    else:
        p, t = rng.randint(2, size=40), rng.randint(2, size=40)
    whole = metric.counts(p, t)
    halves = [metric.counts(p[:17], t[:17]), metric.counts(p[17:], t[17:])]
    summed = {k: halves[0][k] + halves[1][k] for k in metric.zero}
    assert set(whole) == set(metric.zero) and summed == pytest.approx(whole)
    assert metric.scores(summed) == pytest.approx(metric.scores(whole))
    assert metric.scores(dict(metric.zero)) == {}  # no example: no score
    assert {type(v) for v in whole.values()} <= {int, float}
    # an evaluation row names its metric by the scores only it has (records before "metric")
    row = metric.scores(whole)
    assert metric_of_row(row) is metric or (not metric.own and metric_of_row(row).name ==
                                             "accuracy")
    assert all(k in row for k in metric.logged)


def test_scores_against_sklearn_and_scipy():
    rng = np.random.RandomState(2)
    p, t = rng.randint(2, size=60), rng.randint(2, size=60)
    mcc = get_metric("mcc").scores(get_metric("mcc").counts(p, t), digits=None)
    assert mcc["score"] == pytest.approx(100 * matthews_corrcoef(t, p))
    f = get_metric("f1_acc").scores(get_metric("f1_acc").counts(p, t), digits=None)
    assert f["score"] == pytest.approx((100 * f1_score(t, p) + 100 * np.mean(p == t)) / 2)


def test_an_undefined_correlation_reads_dash_with_why_not_zero():
    """An STS-B dev set of one example (or constant predictions) has no Pearson: evaluation
    shows '-' and says why; training logs count it as 0 (it needs a number to select on)."""
    from fairseq_mtl.data.manifest import TaskEntry
    from fairseq_mtl.evaluate import score_task, to_markdown

    entry = TaskEntry(name="STS-B", labels=[], type="regression", metric="pearson_spearman")
    one = score_task(entry, [2.5], [3.0])
    assert one == {"undefined": "a correlation needs at least 2 examples, the split has 1"}
    assert score_task(entry, [1.0, 1.0, 1.0], [0.0, 2.0, 4.0]) == {
        "undefined": "every prediction is the same value: no correlation is defined"}
    assert score_task(entry, [1.0, 2.0], [3.0, 3.0])["undefined"].startswith("every gold")
    fine = score_task(entry, [1.0, 2.0, 3.5], [0.0, 2.0, 4.0])
    assert fine["pearson"] > 90 and "undefined" not in fine
    row = {"task": "STS-B", "n": 1, "metric": "pearson_spearman", **one}
    table = to_markdown({"split": "valid", "tasks": [row], "average": {}})
    assert "| STS-B | 1 | - | - | - |" in table
    assert ("STS-B: '-' because a correlation needs at least 2 examples, the split has 1 (not "
            "in the average).") in table
    metric = get_metric("pearson_spearman")
    training = metric.scores(metric.counts([2.5], [3.0]))
    assert training["pearson"] == 0.0  # what the training log shows


def test_evaluation_averages_round_once_as_the_training_log(monkeypatch):
    """Accuracies 0 and 33.333...: the mean of the exact values is 16.67 (what training logs
    as avg_acc), the mean of the rounded 0.00 and 33.33 would be 16.66."""
    from types import SimpleNamespace

    from fairseq_mtl import evaluate as ev
    from fairseq_mtl.data.manifest import TaskEntry

    entries = [TaskEntry(name=n, labels=["0", "1"], splits={"valid": 3}) for n in ("a", "b")]
    task = SimpleNamespace(task_names=["a", "b"], task_entries=entries)
    outcomes = {"a": ([1, 1, 1], [0, 0, 0]), "b": ([1, 1, 1], [1, 0, 0])}
    monkeypatch.setattr(ev, "predict_split", lambda model, task, name, split, *a: outcomes[name])
    result = ev.evaluate(None, task, "valid")
    assert [r["accuracy"] for r in result["tasks"]] == [0.0, 33.33]
    assert result["average"] == {"accuracy": 16.67, "error": 83.33, "score": 16.67}
