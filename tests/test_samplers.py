import numpy as np
import pytest

from fairseq_mtl.data.samplers import SAMPLERS, build_sampler

pytestmark = pytest.mark.fast


def fake_batches(sizes):
    """batches[k][j] = array([k * 1000 + j]): a batch's value reveals its task and position."""
    return [[np.array([k * 1000 + j]) for j in range(n)] for k, n in enumerate(sizes)]


def task_of(batch):
    return int(batch[0]) // 1000


def test_round_robin_is_algorithm_1():
    sizes = [5, 2, 3, 0]
    order = build_sampler("round_robin", task_sizes=sizes).order(
        fake_batches(sizes), np.random.RandomState(0))
    # every batch exactly once, each task's batches in their own order
    assert sorted(int(b[0]) for b in order) == sorted(
        k * 1000 + j for k, n in enumerate(sizes) for j in range(n))
    for k in range(len(sizes)):
        mine = [int(b[0]) % 1000 for b in order if task_of(b) == k]
        assert mine == list(range(sizes[k]))
    # rounds: round r holds each task with more than r batches exactly once
    position = 0
    for r in range(max(sizes)):
        alive = {k for k, n in enumerate(sizes) if n > r}
        this_round = [task_of(b) for b in order[position:position + len(alive)]]
        assert sorted(this_round) == sorted(alive)
        position += len(alive)
    assert position == len(order)


def test_round_robin_shuffles_task_order_between_rounds():
    sizes = [50] * 6
    order = build_sampler("round_robin", task_sizes=sizes).order(
        fake_batches(sizes), np.random.RandomState(1))
    rounds = {tuple(task_of(b) for b in order[i:i + 6]) for i in range(0, 300, 6)}
    assert len(rounds) > 10


@pytest.mark.parametrize("name", ["uniform", "proportional", "temperature"])
def test_probability_samplers(name):
    sizes = [400, 100]
    sampler = build_sampler(name, task_sizes=sizes, temperature=2.0)
    order = sampler.order(fake_batches(sizes), np.random.RandomState(0))
    assert len(order) == sum(sizes)
    share = np.mean([task_of(b) == 0 for b in order])
    expected = {"uniform": 0.5, "proportional": 0.8, "temperature": 2 / 3}[name]
    assert abs(share - expected) < 0.05


def test_all_tasks_groups():
    sizes = [3, 1, 2]
    order = build_sampler("all_tasks", task_sizes=sizes).order(
        fake_batches(sizes), np.random.RandomState(0))
    assert len(order) == 3 * 3
    for i in range(0, 9, 3):
        assert sorted(task_of(b) for b in order[i:i + 3]) == [0, 1, 2]
    # its epoch takes fewer updates than each batch once would: the log says how many
    note = build_sampler("all_tasks", task_sizes=sizes).epoch_note(fake_batches(sizes))
    assert "an epoch is 3 groups of 3 batches" in note
    assert "i.e. 3 updates at --update-freq 3" in note and "round_robin or shuffled" in note
    assert "the 6 batches once each, i.e. 6 updates at --update-freq 1" in note
    assert build_sampler("round_robin", task_sizes=sizes).epoch_note(fake_batches(sizes)) == ""


def test_unknown_sampler_lists_choices():
    with pytest.raises(ValueError, match="round_robin"):
        build_sampler("nope", task_sizes=[1])
    assert {"round_robin", "uniform", "proportional", "temperature", "all_tasks"} <= set(SAMPLERS)


@pytest.mark.parametrize("name", SAMPLERS.names())
def test_every_sampler_orders_only_the_given_batches(name):
    """Every registered sampler: only batches it was given, each task's batches in their own
    order, and every batch exactly once where the sampler says so (the task checks it too)."""
    sizes = [7, 3, 0, 5]
    batches = fake_batches(sizes)
    sampler = build_sampler(name, task_sizes=sizes, temperature=2.0)
    order = sampler.order(batches, np.random.RandomState(3))
    given = {int(b[0]) for task in batches for b in task}
    assert order and all(int(b[0]) in given for b in order)
    if sampler.uses_every_batch_once:
        assert sorted(int(b[0]) for b in order) == sorted(given)


def test_shuffled_uses_every_batch_once_in_one_mixed_order():
    import numpy as np

    sampler = build_sampler("shuffled", task_sizes=[30, 3])
    batches = [[np.array([i]) for i in range(10)], [np.array([100 + i]) for i in range(2)]]
    orders = [[int(b[0]) for b in sampler.order(batches, np.random.RandomState(s))]
              for s in range(20)]
    for order in orders:
        assert sorted(order) == list(range(10)) + [100, 101]
    # the small task is not always first or last: the batches are mixed
    positions = {order.index(100) for order in orders}
    assert len(positions) > 3
