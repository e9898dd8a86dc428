"""Task balancing (fairseq_mtl/balancing): every registered method on a tiny fixture, the weights
as documented, the gradient methods' promises, exact resume, and the one-line refusals."""
import json

import pytest
import torch

from conftest import params, run_cli, train_args
from fairseq_mtl.balancing import BALANCING, build_balancing

GRADIENT_METHODS = BALANCING.names(lambda c: c.combines_gradients)
LOSS_METHODS = BALANCING.names(lambda c: not c.combines_gradients)
ALL_TASKS = ["--sampler", "all_tasks", "--update-freq", "3"]  # the fixture's 3 tasks


def conflicting_gradients(seed=0, k=3, p=12):
    g = torch.Generator().manual_seed(seed)
    G = torch.randn(k, p, generator=g)
    G[1] = -0.8 * G[0] + 0.3 * torch.randn(p, generator=g)  # tasks 0 and 1 conflict
    return G


@pytest.mark.fast
def test_every_gradient_method_is_also_a_registry_entry_with_torchjd():
    assert {"pcgrad", "cagrad", "upgrad"} <= set(GRADIENT_METHODS)
    assert {"equal", "uncertainty", "random_weights"} <= set(LOSS_METHODS)


@pytest.mark.fast
def test_upgrad_never_raises_a_task_loss_to_first_order():
    for seed in range(5):
        G = conflicting_gradients(seed)
        d = build_balancing("upgrad", 3).combine(G)
        assert (G @ d >= -1e-6).all()
        assert (G @ G.mean(0))[:2].min() < 0 or seed  # the mean does conflict (seed 0)


@pytest.mark.fast
def test_pcgrad_resolves_a_two_task_conflict_and_is_the_mean_without_one():
    G = conflicting_gradients(k=2)
    assert float(G[0] @ G[1]) < 0
    d = build_balancing("pcgrad", 2).combine(G)
    assert (G @ d >= -1e-6).all()
    agree = torch.stack([G[0], G[0] + 0.1])  # no conflict: the mean of the rows
    assert torch.allclose(build_balancing("pcgrad", 2).combine(agree), agree.mean(0), atol=1e-6)


@pytest.mark.fast
def test_cagrad_stays_near_the_mean_and_helps_the_worst_task():
    G = conflicting_gradients()
    g0 = G.mean(0)
    c = 0.4
    d = build_balancing("cagrad", 3, cagrad_c=c).combine(G)
    assert float((d - g0).norm()) <= c * float(g0.norm()) * 1.05 + 1e-6
    assert float((G @ d).min()) >= float((G @ g0).min()) - 1e-6


@pytest.mark.fast
def test_loss_weights_are_as_documented():
    equal = build_balancing("equal", 4)
    assert equal.weights() == [1.0] * 4
    rlw = build_balancing("random_weights", 4, seed=3)
    draws = []
    for update in range(3):
        rlw.update_num = update
        w = rlw.weights()
        assert abs(sum(w) - 4) < 1e-5 and min(w) > 0  # K softmax(z): mean weight 1
        draws.append(w)
    assert draws[0] != draws[1]
    rlw.update_num = 1
    assert rlw.weights() == draws[1]  # from (seed, update): a resumed run draws the same
    unc = build_balancing("uncertainty", 2)
    loss = torch.tensor(10.0)
    assert float(unc.task_loss(loss, 0, 4).detach()) == 10.0  # s = 0: weight 1, regulariser 0
    with torch.no_grad():
        unc.log_variance[1] = 1.0
    expected = 10 * torch.exp(torch.tensor(-1.0)) + 4  # exp(-s) L + s n
    assert abs(float(unc.task_loss(loss, 1, 4).detach()) - expected) < 1e-5
    assert abs(unc.weights()[1] - float(torch.exp(torch.tensor(-1.0)))) < 1e-6


def metrics_lines(save_dir):
    return [json.loads(line) for line in open(save_dir / "metrics.jsonl")]


def straight_and_resumed_agree(data_bin, tmp_path, *extra):
    """4 updates straight, and 2 + 2 with a resume between: the same parameters, bit for bit.
    Returns the straight run's log and parameters."""
    straight, first = tmp_path / "straight", tmp_path / "resumed"
    log = run_cli(train_args(data_bin, straight, "sp_lstm", "--max-update", "4", *extra))
    run_cli(train_args(data_bin, first, "sp_lstm", "--max-update", "2", *extra))
    run_cli(train_args(data_bin, first, "sp_lstm", "--max-update", "4", *extra))
    a, b = params(straight / "checkpoint_last.pt"), params(first / "checkpoint_last.pt")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    return log, a


@pytest.mark.parametrize("method", BALANCING.names())
def test_every_method_trains_logs_its_weights_and_resumes_exactly(method, data_bin, tmp_path):
    log, a = straight_and_resumed_agree(data_bin, tmp_path, "--task-balancing", method,
                                        *ALL_TASKS, "--log-interval", "1")
    assert (log.stdout + log.stderr).count("the all_tasks sampler: an epoch is") == 1
    logged = {k for line in metrics_lines(tmp_path / "straight") for k in line}
    if method in LOSS_METHODS and method != "equal":
        assert "alpha/weight" in logged
    if method in GRADIENT_METHODS:  # (no weights: nothing is weighted)
        assert "alpha/weight" not in logged
    if method in GRADIENT_METHODS:
        assert {"grad_cos_min", "grad_cos_mean", "alpha/grad_cos"} <= logged
    if method == "uncertainty":
        assert any(k.endswith("balancing.log_variance") for k in a)


def refused_at_start(proc, save_dir, message):
    """A one-line refusal before any data is batched: no training line, no crash.pt."""
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert message in proc.stderr, proc.stderr[-2000:]
    assert "begin training epoch" not in proc.stdout + proc.stderr
    assert not (save_dir / "crash.pt").exists()


def test_refusals_are_one_line_and_come_at_the_start(data_bin, tmp_path):
    """Everything the options rule out is refused before the data is batched; each is one line
    that says what to change."""
    def refused(name, arch, *extra):
        save = tmp_path / name
        return run_cli(train_args(data_bin, save, arch, "--max-update", "2", *extra),
                       check=False), save

    proc, save = refused("sampler", "sp_lstm", "--task-balancing", "pcgrad")
    refused_at_start(proc, save, "train with --sampler all_tasks --update-freq 3 (given: "
                     "--sampler round_robin)")
    for freq in ("1", "2", "6"):
        proc, save = refused(f"freq{freq}", "sp_lstm", "--task-balancing", "upgrad",
                             "--sampler", "all_tasks", "--update-freq", freq)
        refused_at_start(proc, save, "combines one batch of each of the 3 tasks per update: "
                         f"train with --sampler all_tasks --update-freq 3 (given: --update-freq "
                         f"{freq})")
    proc, save = refused("adversary", "asp_lstm", "--task-balancing", "cagrad", *ALL_TASKS)
    refused_at_start(proc, save, "not offered together (the discriminator's gradient would be "
                     "combined as a shared one): drop one of them (the discriminator: "
                     "--adversarial-weight 0")
    proc, save = refused("bf16", "sp_lstm", "--task-balancing", "pcgrad", *ALL_TASKS,
                         "--bf16", "--cpu")
    refused_at_start(proc, save, "--task-balancing pcgrad is not offered with --fp16/--bf16")
    proc, save = refused("cagrad_c", "sp_lstm", "--task-balancing", "pcgrad", *ALL_TASKS,
                         "--cagrad-c", "0.8")
    refused_at_start(proc, save, "--cagrad-c 0.8 is c of --task-balancing cagrad; "
                     "--task-balancing pcgrad has no such parameter")


@pytest.mark.fast
def test_an_update_that_misses_a_task_is_named_as_such():
    """The first update checks again what only the batches show (a task without a batch)."""
    from fairseq_mtl.balancing.gradients import GradientSplitter, OneUpdateError

    p = torch.nn.Parameter(torch.zeros(3))
    splitter = GradientSplitter(build_balancing("upgrad", 2), ["a", "b"])
    p.grad = torch.ones(3)
    splitter.after_batch([p], 0, 4, update_num=0)
    with pytest.raises(OneUpdateError, match="held batches of 1 of the 2 tasks"):
        splitter.check_finished()


def test_gradient_methods_refuse_data_parallel_training_in_one_line(data_bin, tmp_path):
    from conftest import two_process_run

    logs, codes = two_process_run(data_bin, tmp_path, "sp_lstm", "--max-update", "2",
                                  "--task-balancing", "pcgrad", *ALL_TASKS, check=False)
    assert codes != [0, 0]
    assert any("not offered under data-parallel training" in log for log in logs)


@pytest.mark.fast
def test_an_update_of_more_batches_than_tasks_is_named_as_such():
    from fairseq_mtl.balancing.gradients import GradientSplitter, OneUpdateError

    p = torch.nn.Parameter(torch.zeros(3))
    splitter = GradientSplitter(build_balancing("upgrad", 2), ["a", "b"])
    for task in (0, 1):
        p.grad = torch.ones(3) * (task + 1)
        splitter.after_batch([p], task, 4, update_num=0)
    p.grad = torch.ones(3)
    with pytest.raises(OneUpdateError, match="more than one batch of each task"):
        splitter.after_batch([p], 0, 4, update_num=0)


def test_balancing_lr_scale_moves_uncertaintys_log_variances_that_much_faster(data_bin, tmp_path):
    """At a fine-tuning lr the log-variances hardly move; --balancing-lr-scale gives them their
    own rate. Adam's first step moves a parameter by lr whatever its gradient's size, so after
    one update the task that trained has moved its s_k by lr x scale, the others not at all."""
    moved = {}
    for scale in (1, 100):
        save = tmp_path / f"x{scale}"
        log = run_cli(train_args(data_bin, save, "sp_lstm", "--max-update", "1",
                                 "--disable-validation", "--task-balancing", "uncertainty",
                                 "--optimizer", "torch_adamw", "--lr", "1e-5",
                                 "--balancing-lr-scale", str(scale)))
        said = "task balancing's own parameters (uncertainty): x100 the learning rate"
        assert (said in log.stdout + log.stderr) == (scale == 100)
        s = next(v for k, v in params(save / "checkpoint_last.pt").items()
                 if k.endswith("balancing.log_variance"))
        assert int((s != 0).sum()) == 1, s  # one batch of one task in the first update
        moved[scale] = float(s.abs().max())
    assert abs(moved[1] - 1e-5) < 1e-7 and abs(moved[100] - 1e-3) < 1e-5, moved


def test_balancing_lr_scale_refusals_are_one_line(data_bin, tmp_path):
    nothing_to_scale = run_cli(train_args(data_bin, tmp_path / "a", "sp_lstm", "--max-update",
                                          "1", "--balancing-lr-scale", "10"), check=False)
    assert nothing_to_scale.returncode != 0 and "Traceback" not in nothing_to_scale.stderr
    assert "--task-balancing equal has none (uncertainty has)" in nothing_to_scale.stderr
    # fairseq's adam has one learning rate for all: the scale would be ignored silently
    ignored = run_cli(train_args(data_bin, tmp_path / "b", "sp_lstm", "--max-update", "1",
                                 "--task-balancing", "uncertainty", "--balancing-lr-scale", "10"),
                      check=False)
    refused_at_start(ignored, tmp_path / "b", "--balancing-lr-scale needs --optimizer "
                     "torch_adamw (the optimizer in use, adam, gives every parameter one learning "
                     "rate)")


def test_a_run_with_its_own_balancing_lr_resumes_exactly(data_bin, tmp_path):
    """--balancing-lr-scale puts the log-variances in a parameter group of their own; a resume
    restores that group's rate and moments, so the resumed run equals the straight one."""
    _, a = straight_and_resumed_agree(data_bin, tmp_path, "--task-balancing", "uncertainty",
                                      "--optimizer", "torch_adamw", "--lr", "1e-3",
                                      "--balancing-lr-scale", "100", "--disable-validation")
    s = next(v for k, v in a.items() if k.endswith("balancing.log_variance"))
    assert float(s.abs().max()) > 1e-2  # 4 updates at 0.1: they moved at the scaled rate
