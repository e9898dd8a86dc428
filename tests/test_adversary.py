"""The task discriminator's schedules and objectives (fairseq_mtl/adversary.py,
fairseq_mtl/modules/heads.py), and the adversary check whose answer is known: on a synthetic
corpus where one word per sentence gives the task away, a task probe must find the task in
SP-MTL's shared layer and must not in ASP-MTL's."""
import math

import numpy as np
import pytest
import torch

from conftest import USER_DIR, run_cli, run_main, train_args
from fairseq_mtl.adversary import DiscriminatorTrainer, ramp_factor
from fairseq_mtl.modules.heads import TaskDiscriminator


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
    disc = TaskDiscriminator(input_dim=5, num_tasks=3, scale=0.5, objective="confusion")
    shared = torch.randn(6, 5, requires_grad=True)
    # D's own loss does not reach the encoder
    torch.nn.functional.cross_entropy(disc(shared), torch.full((6,), 2)).backward()
    assert shared.grad is None and disc.proj.weight.grad is not None
    disc.zero_grad()
    loss = disc.confusion_loss(shared)
    # lambda * sum of CE(D(s), uniform): at least lambda * B * log K, equal when D is unsure
    assert loss.item() >= 0.5 * 6 * math.log(3)
    loss.backward()
    assert disc.proj.weight.grad is None or not disc.proj.weight.grad.any()
    with torch.no_grad():
        moved = shared - 0.1 * shared.grad
        assert disc.confusion_loss(moved) < loss
    # the reverse objective has no such term
    assert TaskDiscriminator(5, 3, 0.5).confusion_loss(shared).item() == 0.0
    with pytest.raises(ValueError, match="objective"):
        TaskDiscriminator(5, 3, 0.5, objective="wasserstein")


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


@pytest.mark.fast
def test_critic_learns_to_recognise_tasks_and_leaves_the_discriminator_frozen():
    torch.manual_seed(0)
    tasks, n = 3, 20
    scheme = _Scheme(torch.randn(tasks, 4) * 3)
    disc = TaskDiscriminator(4, tasks, scale=0.05)
    critic = DiscriminatorTrainer(disc, steps=5, lr=0.05, sentences_per_task=4)
    assert not any(p.requires_grad for p in disc.parameters())  # out of the model optimizer
    pools = [np.arange(k * n, (k + 1) * n) for k in range(tasks)]
    rng = np.random.RandomState(0)
    first = critic.step(scheme, _Dataset(n, tasks), pools, pad=1, rng=rng)
    for _ in range(40):
        last = critic.step(scheme, _Dataset(n, tasks), pools, pad=1, rng=rng)
    assert first["n"] == last["n"] == 12 and last["correct"] == 12 > first["correct"]
    assert last["loss"] < first["loss"]
    assert not any(p.requires_grad for p in disc.parameters())
    assert all(p.grad is None for p in disc.parameters())
    state = critic.state_dict()
    assert state["state"]  # Adam moments, saved in the model's checkpoint state (attach)


@pytest.mark.fast
def test_critic_moments_load_into_any_discriminator_strictly():
    """A checkpoint with the critic's moments loads into a discriminator built without the
    critic schedule (to evaluate or transfer), and one from before they were saved loads into
    a discriminator with a critic (its moments start from zero); both strictly."""
    def discriminator(critic):
        torch.manual_seed(0)
        disc = TaskDiscriminator(input_dim=4, num_tasks=2, scale=0.05)
        trainer = DiscriminatorTrainer(disc, steps=1, lr=0.1, sentences_per_task=1)
        if critic:
            trainer.attach()
        return disc, trainer

    with_critic, trainer = discriminator(critic=True)
    for p in trainer.params:  # one Adam step, so that there are moments to save
        p.requires_grad_(True)
    with_critic.logits(torch.randn(3, 4)).sum().backward()
    trainer.optimizer.step()
    saved = with_critic.state_dict()
    assert saved["critic._extra_state"]["state"]
    plain, _ = discriminator(critic=False)
    plain.load_state_dict(saved, strict=True)
    assert torch.equal(plain.proj.weight, with_critic.proj.weight)
    old = {k: v for k, v in saved.items() if k != "critic._extra_state"}
    fresh, fresh_trainer = discriminator(critic=True)
    fresh.load_state_dict(old, strict=True)
    assert not fresh_trainer.optimizer.state
    fresh.load_state_dict(saved, strict=True)
    assert fresh_trainer.optimizer.state_dict()["state"].keys() == saved[
        "critic._extra_state"]["state"].keys()


def _weights(model):
    # (the critic's Adam moments are in the state dict too, as a dict: not weights)
    return {k: v.clone() for k, v in model.scheme.state_dict().items() if torch.is_tensor(v)}


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
    assert torch.allclose(before["discriminator.proj.weight"],
                          after["discriminator.proj.weight"])
    assert not torch.allclose(before["shared_encoder.lstm.weight_ih_l0"],
                              after["shared_encoder.lstm.weight_ih_l0"])
    ramped = [float(x) for x in __import__("re").findall(r"adv_lambda=([0-9.e-]+)", log)]
    # the ramp starts at 0 and rises to lambda (0.05) as training ends
    assert ramped[0] == 0.0 and ramped == sorted(ramped) and 0.03 < max(ramped) <= 0.05


def test_a_resumed_critic_continues_its_adam_moments(data_bin, tmp_path):
    """fairseq-train's resume restores the model's state dict, not the task's: the critic's Adam
    moments travel in the model's (the discriminator's ``critic._extra_state``), so a run
    stopped and resumed continues them instead of starting them from zero."""
    critic = ["--discriminator-steps", "2", "--discriminator-sentences", "3"]

    def critic_steps():
        state = torch.load(tmp_path / "checkpoint_last.pt", map_location="cpu",
                           weights_only=False)
        key = next(k for k in state["model"] if k.endswith("discriminator.critic._extra_state"))
        return {int(s["step"]) for s in state["model"][key]["state"].values()}

    run_cli(train_args(data_bin, tmp_path, "asp_lstm", "--max-update", "3", *critic))
    assert critic_steps() == {3 * 2}  # 2 critic steps before each of the 3 updates
    proc = run_cli(train_args(data_bin, tmp_path, "asp_lstm", "--max-update", "5", *critic))
    assert "loaded checkpoint" in (proc.stdout + proc.stderr).lower()
    assert critic_steps() == {5 * 2}  # moments restarted at the resume would count 2 * 2


def test_monitor_discriminator_learns_without_pushing_the_encoder(data_bin, tmp_path):
    proc = run_cli(train_args(data_bin, tmp_path, "sp_lstm", "--max-update", "3",
                              "--monitor-discriminator", "--discriminator-steps", "1"))
    assert "lambda 0.0" in proc.stdout + proc.stderr
    proc = run_cli(train_args(data_bin, tmp_path / "x", "sp_lstm", "--max-update", "1",
                              "--discriminator-steps", "1"), check=False)
    assert proc.returncode != 0 and "--monitor-discriminator" in proc.stderr


@pytest.fixture(scope="module")
def adversary_check(tmp_path_factory):
    """The check whose answer is known (fairseq_mtl/analysis/adversary_check.py), 2 seeds:
    SP-MTL with a discriminator that only watches (lambda 0: SP-MTL's training exactly, plus
    the critic's accuracy), and ASP-MTL with the critic schedule and the confusion objective."""
    from fairseq_mtl.analysis.adversary_check import cli_main as check

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
    assert "| ASP-MTL |" in text and text.startswith("# The adversary check whose answer is "
                                                     "known") and "\n\nNotes on the runs.\n\n" in text
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
    from fairseq_mtl.analysis.adversary_check import commits

    one = [("SP", [{"commit": "aaa"}, {"commit": "aaa"}])]
    assert commits(one) == "runs trained at commit aaa"
    mixed = one + [("ASP", [{"commit": "bbb"}, {}])]  # a resumed table: older and newer runs
    assert commits(mixed) == ("runs trained at commits aaa (2 runs), bbb (1 run), "
                              "not recorded (1 run)")


@pytest.mark.fast
def test_adversary_table_pairs_seeds_and_reads_what_the_discriminator_saw(tmp_path):
    import json

    from fairseq_mtl.analysis.adversary_table import cli_main as table

    errors = {"sp": {1: 14.0, 2: 15.0, 3: 16.0}, "asp": {1: 13.0, 2: 14.5, 3: 14.0}}
    for name, by_seed in errors.items():
        for seed, error in by_seed.items():
            d = tmp_path / "runs" / name / f"seed{seed}"
            d.mkdir(parents=True)
            (d / "run.json").write_text(json.dumps({
                "seed": seed, "arch": f"{name}_lstm", "command": f"fairseq-train --seed {seed}",
                "train_seconds": 600, "hardware": "test", "commit": "abc"}))
            (d / "eval_test.json").write_text(json.dumps(
                {"average": {"accuracy": 100 - error, "error": error}}))
            (d / "train.log").write_text(
                "x | INFO | train | epoch 001 | loss 1 | disc_acc 50.5 | adv_lambda 0.05 | adv_acc 9\n"
                "x | INFO | valid | epoch 001 | valid on 'valid' subset | adv_acc 7.25 | avg_acc 80\n"
                "x | INFO | train | epoch 002 | loss 1 | disc_acc 40 | adv_lambda 0.05 | adv_acc 8\n"
                "x | INFO | valid | epoch 002 | valid on 'valid' subset | adv_acc 6 | avg_acc 81\n")
    out, notes = tmp_path / "t.md", tmp_path / "notes.md"
    notes.write_text("How the runs were made.\n")
    result = run_main(table, ["--runs", tmp_path / "runs", "--reference", "sp", "--order",
                              "sp,asp", "--label", "asp=ASP critic", "--out", out,
                              "--title", "The adversary here", "--preamble", notes])
    text = out.read_text()
    # the notes go under the title, as in every other table of thesis_results/
    assert text.startswith("# The adversary here\n\nHow the runs were made.\n\n| configuration")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[1].startswith("| sp | 1, 2, 3 | 15.00 ±1.00 | reference | 6.0 ±0.0 | 40.0 ±0.0")
    # paired differences -1.0, -0.5, -2.0: mean -1.17, t(2) interval +-1.90
    assert rows[2].startswith("| ASP critic | 1, 2, 3 | 13.83 ±0.76 | -1.17 [-3.06, +0.73]")
    assert "fairseq-train --seed 1" in text and json.loads(
        (tmp_path / "runs/sp/seed1/trajectory.json").read_text())["dev_adv_acc"] == [7.25, 6.0]
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
    assert rows[3].startswith("| sp_u | 1, 2 | 15.25 ±0.35 | reference |")
    # -1.0 and -0.5 against sp_u (against sp they would be 0.0 and 0.0)
    assert rows[4].startswith("| asp_u | 1, 2 | 14.50 ±0.71 | -0.75 [") and "vs sp_u |" in rows[4]
    assert " vs " not in rows[2]  # paired with the main reference: named in the header


def test_critic_under_two_data_parallel_workers(data_bin, tmp_path):
    """Each worker draws its own mixed batch; the critic's gradients are averaged over the
    workers (a collective call in every critic step: a mismatch would hang or crash)."""
    from conftest import two_process_run

    log = two_process_run(data_bin, tmp_path, "asp_lstm", "--max-update", "4",
                          "--discriminator-steps", "2", "--discriminator-sentences", "2",
                          "--adversarial-objective", "confusion")
    assert "critic schedule, 2 steps per update" in log and "disc_acc=" in log, log[-2000:]
