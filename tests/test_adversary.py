"""The task discriminator's schedules and objectives (fairseq_mtl/adversary.py,
fairseq_mtl/modules/heads.py), and the adversary check whose answer is known: on a synthetic
corpus where one word per sentence gives the task away, a task probe must find the task in
SP-MTL's shared layer and must not in ASP-MTL's."""
import math

import numpy as np
import pytest
import torch

from conftest import USER_DIR, run_cli, run_main, train_args
from fairseq_mtl.adversary import Adversary, AdversaryConfig, Critic, ramp_factor
from fairseq_mtl.modules.heads import TaskDiscriminator


def adversary(weight=0.5, **options):
    return Adversary(AdversaryConfig(weight=weight, **options), TaskDiscriminator(5, 3))


@pytest.mark.fast
def test_dann_ramp_goes_from_zero_to_one():
    assert ramp_factor("none", 0.0) == 1.0
    assert ramp_factor("dann", 0.0) == 0.0
    assert ramp_factor("dann", 0.5) == pytest.approx(2 / (1 + math.exp(-5)) - 1)
    assert ramp_factor("dann", 1.0) > 0.999 and ramp_factor("dann", 7.0) == ramp_factor("dann", 1)
    with pytest.raises(ValueError, match="--adversarial-ramp"):
        ramp_factor("linear", 0.5)


@pytest.mark.fast
def test_confusion_objective_moves_the_encoder_only_towards_an_unsure_discriminator():
    torch.manual_seed(0)
    disc = adversary(objective="confusion")
    shared = torch.randn(6, 5, requires_grad=True)
    # D's own loss does not reach the encoder
    torch.nn.functional.cross_entropy(disc(shared), torch.full((6,), 2)).backward()
    assert shared.grad is None and disc.discriminator.proj.weight.grad is not None
    disc.zero_grad()
    loss = disc.confusion_loss(shared)
    # lambda * sum of CE(D(s), uniform): at least lambda * B * log K, equal when D is unsure
    assert loss.item() >= 0.5 * 6 * math.log(3)
    loss.backward()
    weight = disc.discriminator.proj.weight
    assert weight.grad is None or not weight.grad.any()
    with torch.no_grad():
        moved = shared - 0.1 * shared.grad
        assert disc.confusion_loss(moved) < loss
    # the reverse objective has no such term
    assert adversary().confusion_loss(shared).item() == 0.0
    with pytest.raises(ValueError, match="objective"):
        AdversaryConfig(weight=0.5, objective="wasserstein")


@pytest.mark.fast
def test_one_config_refuses_what_cannot_work():
    for bad, match in (({"steps": 5}, "need a task discriminator"),
                       ({"ramp": "dann"}, "need a task discriminator"),
                       ({"weight": 0.05, "ramp": "linear"}, "--adversarial-ramp"),
                       ({"weight": 0.05, "sentences": 0}, "--discriminator-sentences"),
                       ({"weight": -1.0}, "negative")):
        with pytest.raises(ValueError, match=match):
            AdversaryConfig(**bad)
    assert AdversaryConfig(monitor=True, steps=1).schedule == "critic"
    assert not AdversaryConfig().wanted


@pytest.mark.fast
def test_lambda_follows_the_ramp_and_is_what_the_encoder_receives():
    """The adversary owns lambda: before_update sets it from the ramp, and the gradient that
    reaches the shared vector through the reversal is -lambda times D's."""
    disc = adversary(weight=0.2, ramp="dann")
    with pytest.raises(ValueError, match="length of training"):
        disc.before_update(None, None, 0, None)
    assert disc.before_update(None, None, 0, 10)["adv_lambda"] == 0.0
    logs = disc.before_update(None, None, 5, 10)
    assert logs["adv_lambda"] == pytest.approx(0.2 * ramp_factor("dann", 0.5))
    shared = torch.randn(4, 5, requires_grad=True)
    logits = disc(shared)
    logits.sum().backward()
    w = disc.discriminator.proj.weight
    assert torch.allclose(shared.grad, -disc.weight * w.sum(0).expand(4, 5))
    assert adversary(weight=0.2).before_update(None, None, 0, None)["adv_lambda"] == 0.2


class _Scheme:
    """A stand-in for a sharing scheme: the shared vector is a fixed table lookup in which
    task k's sentences sit around centre k."""
    shared_reads_task = False

    def __init__(self, centres):
        self.centres = centres

    def encode_shared(self, src_tokens, src_lengths, task_id=None):
        return self.centres[src_tokens[:, 0] % len(self.centres)] + 0.1 * src_tokens[:, :1]


class _Dataset:
    def __init__(self, n_per_task, tasks):
        self.n = n_per_task
        self.tasks = tasks

    def __getitem__(self, i):
        return {"source": torch.tensor([i // self.n, 5, 6])}

    def task_indices(self, k):
        return np.arange(k * self.n, (k + 1) * self.n)

    def unlabeled_indices(self, k):
        return None


@pytest.mark.fast
def test_critic_learns_to_recognise_tasks_and_leaves_the_discriminator_frozen():
    torch.manual_seed(0)
    tasks, n = 3, 20
    scheme = _Scheme(torch.randn(tasks, 4) * 3)
    disc = TaskDiscriminator(4, tasks)
    critic = Critic(disc, steps=5, lr=0.05, sentences_per_task=4)
    assert not any(p.requires_grad for p in disc.parameters())  # out of the model optimizer
    dataset = _Dataset(n, tasks)
    first = critic.step(scheme, dataset, 0)
    for update in range(1, 41):
        last = critic.step(scheme, dataset, update)
    assert first["n"] == last["n"] == 12 and last["correct"] == 12 > first["correct"]
    assert last["loss"] < first["loss"]
    assert not any(p.requires_grad for p in disc.parameters())
    assert all(p.grad is None for p in disc.parameters())
    assert critic.optimizer.state_dict()["state"]  # Adam moments (saved: CriticState)


@pytest.mark.fast
def test_critic_moments_load_into_any_adversary_strictly():
    """A state dict with the critic's moments loads into an adversary built without the critic
    schedule (to evaluate or transfer), and one from before they were saved loads into an
    adversary with a critic (its moments start from zero); both strictly."""
    def build(critic):
        torch.manual_seed(0)
        adv = Adversary(AdversaryConfig(weight=0.05, steps=1 if critic else 0),
                        TaskDiscriminator(4, 2))
        if critic:
            adv.start_training(lr=0.1, mixed_precision=False, pad=1, seed=1)
        return adv

    with_critic = build(critic=True)
    params = with_critic.trainer.params
    for p in params:  # one Adam step, so that there are moments to save
        p.requires_grad_(True)
    with_critic.discriminator(torch.randn(3, 4)).sum().backward()
    with_critic.trainer.optimizer.step()
    saved = with_critic.state_dict()
    assert saved["critic._extra_state"]["state"]
    plain = build(critic=False)
    plain.load_state_dict(saved, strict=True)
    assert torch.equal(plain.discriminator.proj.weight, with_critic.discriminator.proj.weight)
    old = {k: v for k, v in saved.items() if k != "critic._extra_state"}
    fresh = build(critic=True)
    fresh.load_state_dict(old, strict=True)
    assert not fresh.trainer.optimizer.state
    fresh.load_state_dict(saved, strict=True)
    assert fresh.trainer.optimizer.state_dict()["state"].keys() == saved[
        "critic._extra_state"]["state"].keys()
    with pytest.raises(ValueError, match="--amp"):
        build(critic=False).__class__(AdversaryConfig(weight=0.05, steps=1),
                                      TaskDiscriminator(4, 2)).start_training(
            lr=0.1, mixed_precision=True, pad=1, seed=1)


def _weights(model):
    # (the critic's Adam moments are in the state dict too, as a dict: not weights)
    return {k: v.clone() for k, v in model.state_dict().items() if torch.is_tensor(v)}


def test_critic_schedule_trains_logs_and_keeps_the_discriminator_out_of_the_model_update(
        data_bin, tmp_path):
    from fairseq_mtl.checkpoint import load_checkpoint

    proc = run_cli(train_args(data_bin, tmp_path, "asp_lstm", "--max-update", "6",
                              "--discriminator-steps", "2", "--discriminator-lr", "1e-30",
                              "--discriminator-sentences", "3", "--adversarial-objective",
                              "confusion", "--adversarial-ramp", "dann", "--unlabeled"))
    log = proc.stdout + proc.stderr
    assert "critic schedule, 2 steps per update" in log and "3 sentences per task" in log
    for key in ("disc_acc", "disc_loss", "adv_lambda", "adv_acc"):
        assert f"{key}=" in log or f"{key} " in log, key
    model, task, cfg = load_checkpoint(str(tmp_path / "checkpoint_last.pt"))
    fresh = task.build_model(cfg.model)  # the same seeded initialisation
    before, after = _weights(fresh), _weights(model)
    # a learning rate of 1e-30: the critic leaves D as it was, and nothing else touched it
    assert torch.allclose(before["adversary.discriminator.proj.weight"],
                          after["adversary.discriminator.proj.weight"])
    assert not torch.allclose(before["scheme.shared_encoder.lstm.weight_ih_l0"],
                              after["scheme.shared_encoder.lstm.weight_ih_l0"])
    ramped = [float(x) for x in __import__("re").findall(r"adv_lambda=([0-9.e-]+)", log)]
    # the ramp starts at 0 and rises to lambda (0.05) as training ends
    assert ramped[0] == 0.0 and ramped == sorted(ramped) and 0.03 < max(ramped) <= 0.05


def test_a_resumed_critic_run_is_exact(data_bin, tmp_path):
    """fairseq-train's resume restores the model's state dict, not the task's: the critic's Adam
    moments travel in the model's (``adversary.critic._extra_state``), and each update's critic
    batch is drawn from its own seed, so a run stopped after 3 updates and resumed to 5 ends
    with the weights and moments of a run that went to 5 at once."""
    # (no --adversarial-ramp: its lambda is a function of --max-update, which differs here)
    critic = ["--discriminator-steps", "2", "--discriminator-sentences", "3",
              "--adversarial-objective", "confusion", "--discriminator-standardize"]

    def state(path):
        return torch.load(path / "checkpoint_last.pt", map_location="cpu",
                          weights_only=False)["model"]

    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    run_cli(train_args(data_bin, straight, "asp_lstm", "--max-update", "5", *critic))
    run_cli(train_args(data_bin, resumed, "asp_lstm", "--max-update", "3", *critic))
    moments = state(resumed)["adversary.critic._extra_state"]["state"]
    assert {int(s["step"]) for s in moments.values()} == {3 * 2}  # 2 steps per update
    proc = run_cli(train_args(data_bin, resumed, "asp_lstm", "--max-update", "5", *critic))
    assert "loaded checkpoint" in (proc.stdout + proc.stderr).lower()
    a, b = state(straight), state(resumed)
    assert a.keys() == b.keys()
    for key in a:
        if torch.is_tensor(a[key]):
            assert torch.equal(a[key], b[key]), key
    for m, n in zip(a["adversary.critic._extra_state"]["state"].values(),
                    b["adversary.critic._extra_state"]["state"].values()):
        assert int(m["step"]) == int(n["step"]) == 5 * 2  # not restarted at the resume
        assert torch.equal(m["exp_avg"], n["exp_avg"])
        assert torch.equal(m["exp_avg_sq"], n["exp_avg_sq"])


@pytest.mark.fast
def test_a_checkpoint_from_before_the_adversary_had_one_owner_loads(tmp_path):
    """The discriminator and the critic's moments used to sit under the scheme
    (``scheme.discriminator.*``): such a state dict loads strictly, to the same weights."""
    from fairseq_mtl.adversary import build_adversary
    from fairseq_mtl.modules.embedding import WordEmbedding
    from fairseq_mtl.modules.lstm_encoder import build_lstm_encoder
    from fairseq_mtl.sharing import build_scheme
    from fairseq_mtl_plugin.models.mtl_base import MtlModel

    def tiny_model(seed=1):
        scheme = build_scheme("sp", task_names=["a", "b"], num_classes=[2, 2], seed=seed,
                              embed_factory=lambda name: WordEmbedding(20, 6, padding_idx=1),
                              encoder_factory=lambda name: build_lstm_encoder("lstm", 6, 5))
        return MtlModel(None, scheme, build_adversary(scheme, 2, AdversaryConfig(weight=0.05)))

    model = tiny_model()
    state = model.state_dict()
    old = {(k.replace("adversary.discriminator.", "scheme.discriminator.")): v
           for k, v in state.items()}
    assert any(k.startswith("scheme.discriminator.") for k in old)
    fresh = tiny_model(seed=2)
    assert not torch.equal(fresh.adversary.discriminator.proj.weight,
                           model.adversary.discriminator.proj.weight)
    fresh.load_state_dict(old, strict=True)
    assert torch.equal(fresh.adversary.discriminator.proj.weight,
                       model.adversary.discriminator.proj.weight)


def test_monitor_discriminator_learns_without_pushing_the_encoder(data_bin, tmp_path):
    proc = run_cli(train_args(data_bin, tmp_path, "sp_lstm", "--max-update", "3",
                              "--monitor-discriminator", "--discriminator-steps", "1"))
    assert "lambda 0.0" in proc.stdout + proc.stderr
    proc = run_cli(train_args(data_bin, tmp_path / "x", "sp_lstm", "--max-update", "1",
                              "--discriminator-steps", "1"), check=False)
    assert proc.returncode != 0 and "--monitor-discriminator" in proc.stderr


@pytest.fixture(scope="module")
def adversary_check(tmp_path_factory):
    """The check whose answer is known (fairseq_mtl_tools/adversary_check.py), 2 seeds:
    SP-MTL with a discriminator that only watches (lambda 0: SP-MTL's training exactly, plus
    the critic's accuracy), and ASP-MTL with the critic schedule and the confusion objective."""
    from fairseq_mtl_tools.adversary_check import cli_main as check

    out = tmp_path_factory.mktemp("adversary")
    (out / "notes.md").write_text("Notes on the runs.\n")
    result = run_main(check, [out, "--user-dir", USER_DIR, "--seeds", "1", "2",
                              "--config", "SP-MTL=sp_lstm --monitor-discriminator "
                                          "--discriminator-steps 5",
                              "--config", "ASP-MTL=asp_lstm --discriminator-steps 5 "
                                          "--adversarial-objective confusion",
                              "--preamble", out / "notes.md"])
    import json

    runs = json.loads((out / "adversary_check.json").read_text())["runs"]
    text = (out / "adversary_check.md").read_text()
    assert "| ASP-MTL |" in text and "\n\nNotes on the runs.\n\n" in text
    assert text.startswith("# The adversary check whose answer is known")
    return runs, result.stdout


def _mean(records, key):
    return sum(r[key] if key != "adv_acc" else r["dev"]["adv_acc"] for r in records) / len(
        records)


def test_a_discriminator_at_chance_is_no_evidence_of_invariance(adversary_check):
    """Measured diagnosis (thesis_results/adversary_synthetic.md): with NO adversary, a critic
    trained 5 steps per update on mixed batches falls towards chance on dev while a probe
    fitted afterwards finds the task in the same shared layer. Training-time discriminator
    accuracy says little about what the shared layer holds; the probe is the measurement."""
    runs, stdout = adversary_check
    sp = runs["SP-MTL"]
    assert all(r["chance"] == 25.0 and r["dev"]["avg_acc"] > 95 for r in sp)  # labels learnt
    assert _mean(sp, "probe") > 55, stdout  # the task word is there to be found
    assert _mean(sp, "probe") - _mean(sp, "adv_acc") > 15, stdout


@pytest.mark.xfail(strict=True, reason=(
    "measured: ASP-MTL's shared layer is no more task-invariant to a fresh probe than "
    "SP-MTL's under any schedule tried (thesis_results/adversary_synthetic.md); the "
    "discriminator is fooled, the information stays (cf. Elazar & Goldberg, EMNLP 2018). "
    "strict: when an adversary passes this, the marker must go"))
def test_the_adversary_removes_the_task_from_the_shared_layer(adversary_check):
    """The issue's target: the shared-layer probe at least 40 points lower with ASP-MTL than
    with SP-MTL (mean over the seeds). If this does not hold, the adversary does not do what
    the paper says it does, whatever the FDU-MTL numbers show."""
    runs, stdout = adversary_check
    sp, asp = runs["SP-MTL"], runs["ASP-MTL"]
    assert all(r["dev"]["avg_acc"] > 95 for r in asp), stdout  # the labels are still learnt
    assert _mean(sp, "probe") - _mean(asp, "probe") >= 40, stdout


@pytest.mark.fast
def test_adversary_check_names_the_commit_of_every_run_it_reports():
    from fairseq_mtl_tools.adversary_check import commits

    one = [("SP", [{"commit": "aaa"}, {"commit": "aaa"}])]
    assert commits(one) == "runs trained at commit aaa"
    mixed = one + [("ASP", [{"commit": "bbb"}, {}])]  # a resumed table: older and newer runs
    assert commits(mixed) == ("runs trained at commits aaa (2 runs), bbb (1 run), "
                              "not recorded (1 run)")


@pytest.mark.fast
def test_adversary_table_pairs_seeds_and_reads_what_the_discriminator_saw(tmp_path):
    import json

    from fairseq_mtl_tools.adversary_table import cli_main as table

    errors = {"sp": {1: 14.0, 2: 15.0, 3: 16.0}, "asp": {1: 13.0, 2: 14.5, 3: 14.0}}
    for name, by_seed in errors.items():
        for seed, error in by_seed.items():
            d = tmp_path / "runs" / name / f"seed{seed}"
            d.mkdir(parents=True)
            (d / "run.json").write_text(json.dumps({
                "seed": seed, "arch": f"{name}_lstm", "hardware": "test", "commit": "abc",
                # seed 3 stopped early: a last --max-epoch wins; its wall time is its own
                "command": f"fairseq-train --seed {seed} --max-epoch 8"
                           + (" --max-epoch 3" if seed == 3 else ""),
                "train_seconds": 900 if seed == 3 else 600}))
            (d / "eval_test.json").write_text(json.dumps(
                {"average": {"accuracy": 100 - error, "error": error}}))
            (d / "train.log").write_text(
                "x | INFO | train | epoch 001 | loss 1 | disc_acc 50.5 | adv_lambda 0.05 | "
                "adv_acc 9\n"
                "x | INFO | valid | epoch 001 | valid on 'valid' subset | adv_acc 7.25 | "
                "avg_acc 80\n"
                "x | INFO | train | epoch 002 | loss 1 | disc_acc 40 | adv_lambda 0.05 | "
                "adv_acc 8\n"
                "x | INFO | valid | epoch 002 | valid on 'valid' subset | adv_acc 6 | avg_acc 81\n"
                # a third epoch that overfits: the table reads the selected (second) epoch
                "x | INFO | train | epoch 003 | loss 1 | disc_acc 30 | adv_lambda 0.05 | "
                "adv_acc 8\n"
                "x | INFO | valid | epoch 003 | valid on 'valid' subset | adv_acc 5 | avg_acc 79\n")
    out, notes = tmp_path / "t.md", tmp_path / "notes.md"
    notes.write_text("How the runs were made.\n")
    result = run_main(table, ["--runs", tmp_path / "runs", "--reference", "sp", "--order",
                              "sp,asp", "--label", "asp=ASP critic", "--out", out,
                              "--title", "The adversary here", "--preamble", notes])
    text = out.read_text()
    # the notes go under the title, as in every other table of thesis_results/
    assert text.startswith("# The adversary here\n\nHow the runs were made.\n\n| configuration")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[1].startswith("| sp | 1-3 | 15.00 ±1.00 | reference | 6.0 ±0.0 | 40.0 ±0.0")
    # paired differences -1.0, -0.5, -2.0: mean -1.17, t(2) interval +-1.90
    assert rows[2].startswith("| ASP critic | 1-3 | 13.83 ±0.76 | -1.17 [-3.06, +0.73]")
    # epochs trained per run, the dev-selected epoch (avg_acc 80 then 81), minutes per length
    assert rows[2].endswith("| 8 x2, 3 x1 | 2 (all) | 10 (8 ep.), 15 (3 ep.) |"), rows[2]
    # the power line: sd of (-1.0, -0.5, -2.0) is 0.76, and +-0.5 needs 12 seeds at it
    assert ("- ASP critic minus sp, seed by seed: -1.00, -0.50, -2.00. 3 seeds: -1.17 ± 1.90 "
            # t = -1.167 / (0.764 / sqrt(3)) = -2.646, t^2 = 7; with 2 degrees of freedom the
            # two-sided p is 1 - |t| / sqrt(t^2 + 2) = 1 - 2.646 / 3
            "(paired t: p = 0.12); "
            "sd 0.76, at which ± 0.5 needs 12 seeds. Lower than its reference on 3 of 3 seeds; "
            "median -1.00; Wilcoxon signed-rank p = 0.25 (two-sided). The two arms' test "
            # exact p: 2 / 2**3; r: covariance 1.0 / sqrt(2 * 1.1667); Welch: variances 0.583
            # and 1 over 3 seeds each, 3.74 degrees of freedom, t 2.85 x 0.727
            "errors correlate r = +0.65 over the seeds; taken as independent samples (Welch): "
            "-1.17 [-3.24, +0.91]. No number of seeds so far (in seed order) gives ± 0.5.") in text
    assert "fairseq-train --seed 1" in text and json.loads(
        (tmp_path / "runs/sp/seed1/trajectory.json").read_text())["dev_adv_acc"] == [7.25, 6.0, 5.0]
    result = run_main(table, ["--runs", tmp_path / "runs", "--reference", "mt", "--out", out],
                      check=False)
    assert result.returncode == 1 and "no finished run of 'mt'" in result.stderr
    # a second pair with its own reference (the same data and draws but for the adversary)
    for name, by_seed in {"sp_u": {1: 15.0, 2: 15.5}, "asp_u": {1: 14.0, 2: 15.0}}.items():
        for seed, error in by_seed.items():
            d = tmp_path / "runs" / name / f"seed{seed}"
            d.mkdir(parents=True)
            (d / "run.json").write_text(json.dumps({"seed": seed, "arch": "x", "command": "c"}))
            (d / "eval_test.json").write_text(json.dumps({"average": {"error": error}}))
    run_main(table, ["--runs", tmp_path / "runs", "--reference", "sp", "--pair", "asp_u=sp_u",
                     "--order", "sp,asp,sp_u,asp_u", "--out", out])
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ")]
    assert rows[3].startswith("| sp_u | 1-2 | 15.25 ±0.35 | reference |")
    assert rows[3].endswith("| - | - | - |")  # no --max-epoch, no log, no wall time
    # -1.0 and -0.5 against sp_u (against sp they would be 0.0 and 0.0)
    assert rows[4].startswith("| asp_u | 1-2 | 14.50 ±0.71 | -0.75 [") and "vs sp_u |" in rows[4]
    assert " vs " not in rows[2]  # paired with the main reference: named in the header


def test_first_within_is_where_a_width_rule_stops():
    """The sequential rule "stop once the 95 % interval is within ±w" read off the seeds in
    order; values worked by hand."""
    from fairseq_mtl_tools.adversary_table import first_within

    # (0.1, -0.1, 0): sd 0.1, t(2) 4.303 x 0.1 / sqrt(3) = 0.25, within 0.5 at once
    assert first_within([0.1, -0.1, 0.0, 5.0], 0.5) == 3
    # (1, -1, 0): 4.303 x 1 / sqrt(3) = 2.48; (1, -1, 0, 0): 3.182 x 0.816 / 2 = 1.30
    assert first_within([1.0, -1.0, 0.0, 0.0], 1.5) == 4
    assert first_within([1.0, -1.0, 0.0, 0.0], 0.5) is None
    assert first_within([0.0, 0.0], 0.5) is None  # fewer than 3 seeds: no interval to read


def test_critic_under_two_data_parallel_workers(data_bin, tmp_path):
    """Each worker draws its own mixed batch; the critic's gradients are averaged over the
    workers (a collective call in every critic step: a mismatch would hang or crash)."""
    from conftest import two_process_run

    log = two_process_run(data_bin, tmp_path, "asp_lstm", "--max-update", "4",
                          "--discriminator-steps", "2", "--discriminator-sentences", "2",
                          "--adversarial-objective", "confusion")
    assert "critic schedule, 2 steps per update" in log and "disc_acc=" in log, log[-2000:]


@pytest.mark.fast
def test_critic_bursts_follow_mans_schedule():
    c = AdversaryConfig(weight=0.05, steps=5, burst_steps=100, burst_start=25,
                        burst_period=500)
    assert [c.critic_steps(u) for u in (0, 24, 25, 499, 500, 501, 1000)] == [
        100, 100, 5, 5, 100, 5, 100]
    assert AdversaryConfig(weight=0.05, steps=5).critic_steps(0) == 5
    with pytest.raises(ValueError, match="critic steps"):
        AdversaryConfig(weight=0.05, burst_steps=100)
    with pytest.raises(ValueError, match="critic's"):
        AdversaryConfig(weight=0.05, hidden_dim=16)


@pytest.mark.fast
def test_l2_objective_pulls_the_discriminator_output_towards_uniform():
    torch.manual_seed(0)
    disc = adversary(objective="l2")
    shared = torch.randn(6, 5, requires_grad=True)
    torch.nn.functional.cross_entropy(disc(shared), torch.full((6,), 2)).backward()
    assert shared.grad is None  # D's own loss does not reach the encoder
    disc.zero_grad()
    loss = disc.confusion_loss(shared)
    probs = torch.softmax(disc.discriminator.logits(shared.detach()), -1)
    assert loss.item() == pytest.approx(0.5 * (probs - 1 / 3).pow(2).sum().item(), rel=1e-5)
    loss.backward()
    with torch.no_grad():
        assert disc.confusion_loss(shared - 0.5 * shared.grad) < loss
    weight = disc.discriminator.proj.weight
    assert weight.grad is None or not weight.grad.any()


@pytest.mark.fast
def test_mans_discriminator_learns_in_the_critic_and_predicts_in_eval_mode():
    """Dropout and batch norm: the critic's steps train them on mixed batches; the model's
    update reads D with dropout off and batch norm on its running statistics."""
    torch.manual_seed(0)
    tasks, n = 3, 20
    disc = TaskDiscriminator(4, tasks, hidden_dim=8, dropout=0.4)
    adv = Adversary(AdversaryConfig(weight=0.05, steps=5, hidden_dim=8, dropout=0.4), disc)
    adv.start_training(lr=0.05, mixed_precision=False, pad=1, seed=1)
    scheme = _Scheme(torch.randn(tasks, 4) * 3)
    first = adv.trainer.step(scheme, _Dataset(n, tasks), 0)
    for update in range(1, 30):
        last = adv.trainer.step(scheme, _Dataset(n, tasks), update)
    assert last["correct"] == last["n"] > first["correct"] and disc.training
    shared = scheme.centres.repeat_interleave(2, 0)  # two sentences of each task
    adv.train()
    a, b = adv(shared), adv(shared)
    assert torch.equal(a, b)  # no dropout while the model reads it
    assert (a.argmax(-1) == torch.arange(tasks).repeat_interleave(2)).all()
    assert "batch norm" in adv.start_training(0.05, False, 1, 1)


def test_mans_whole_recipe_trains(data_bin, tmp_path):
    """MAN's schedule as options of the one adversary: k critic steps with bursts, its
    discriminator (dropout, a batch-normed hidden layer), the L2 objective, no orthogonality."""
    man = ["--discriminator-steps", "2", "--discriminator-burst-steps", "4",
           "--discriminator-burst-start", "2", "--discriminator-burst-period", "3",
           "--discriminator-hidden-dim", "8", "--discriminator-dropout", "0.4",
           "--discriminator-sentences", "3", "--adversarial-objective", "l2",
           "--orthogonality-weight", "0"]
    proc = run_cli(train_args(data_bin, tmp_path, "asp_lstm", "--max-update", "4", *man))
    log = proc.stdout + proc.stderr
    assert "2 steps per update (4 for the first 2 updates and every 3th)" in log
    assert "hidden layer 8 with batch norm" in log and "objective l2" in log
    state = torch.load(tmp_path / "checkpoint_last.pt", map_location="cpu",
                       weights_only=False)["model"]
    # bursts before updates 0, 1 and 3 (4 steps each), 2 steps before update 2
    steps = {int(s["step"]) for s in state["adversary.critic._extra_state"]["state"].values()}
    assert steps == {4 + 4 + 2 + 4}
    assert "adversary.discriminator.layers.2.running_mean" in state  # the batch norm
