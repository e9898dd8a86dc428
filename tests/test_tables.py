"""The result-table builders, on run records written here (no training)."""
import json
import os
import re

import pytest

from conftest import write_run
from fairseq_mtl_tools import fdu_table, layer_sweep

pytestmark = pytest.mark.fast


def test_transformer_table_shows_accuracy_beside_the_thesis(tmp_path):
    for seed, acc in ((1, 80.0), (2, 82.0)):
        write_run(tmp_path / "layerwise_implicit_transformer" / f"seed{seed}",
                  "layerwise_implicit_transformer", seed, acc)
    out = tmp_path / "t.md"
    fdu_table.main(["--family", "transformer", "--runs", str(tmp_path), "--out", str(out)])
    text = out.read_text()
    assert "| L-I (ours) | thesis |" in text
    assert "| books | 81.00 ±1.41 | 85.00 |" in text  # ours mean ±std, thesis Table 4.2
    assert "**81.00 ±1.41** | 85.94" in text
    assert "--arch ARCH --seed SEED" in text


def test_pretrained_table_shows_the_from_scratch_runs_beside(tmp_path):
    write_run(tmp_path / "mini" / "layerwise_implicit_transformer" / "seed1",
              "layerwise_implicit_transformer", 1, 91.0)
    write_run(tmp_path / "scratch" / "layerwise_implicit_transformer" / "seed1",
              "layerwise_implicit_transformer", 1, 80.0)
    out = tmp_path / "t.md"
    fdu_table.main(["--family", "transformer", "--runs", str(tmp_path / "mini"), "--out", str(out),
                    "--beside", str(tmp_path / "scratch"), "--beside-label", "from scratch"])
    text = out.read_text()
    assert "| **avg test accuracy** | **91.00** | 85.94 |" in text
    assert "| avg test accuracy, from scratch | 80.00 | - |" in text


def test_variant_columns_carry_their_label_order_and_their_arch_reference(tmp_path):
    for name, arch, acc in (("watch", "sp_lstm", 85.0), ("conf", "asp_lstm", 86.0)):
        write_run(tmp_path / name / "seed1", arch, 1, acc)
        record = json.load(open(tmp_path / name / "seed1" / "run.json"))
        json.dump({**record, "arch": arch}, open(tmp_path / name / "seed1" / "run.json", "w"))
    out = tmp_path / "t.md"
    fdu_table.main(["--runs", str(tmp_path), "--out", str(out),
                    "--label", "watch=SP watching", "--label", "conf=ASP confusion"])
    text = out.read_text()
    # the label order, not the alphabetical one; the paper's SP-MTL / ASP-MTL beside each
    assert "| task | SP watching (ours) | paper | ASP confusion (ours) | paper |" in text
    assert "| books | 15.0 | 18.7 | 14.0 | 13.0 |" in text
    assert "| **avg test error** | **15.0** | 14.7 | **14.0** | 12.8 |" in text


def test_layer_sweep_table_and_plot(tmp_path):
    for n, acc in ((2, 84.0), (4, 85.0)):
        write_run(tmp_path / f"L{n}" / "stack_cls_transformer" / "seed1",
                  "stack_cls_transformer", 1, acc)
    out = tmp_path / "sweep"
    layer_sweep.main(["--runs", str(tmp_path), "--out", str(out)])
    text = (tmp_path / "sweep.md").read_text()
    assert "| S-C | 84.00 | 84.84 | 85.00 | 85.11 | - | 84.78 |" in text
    assert (tmp_path / "sweep.png").stat().st_size > 1000


def test_transfer_table_beside_paper_table_3(tmp_path):
    from fairseq_mtl_tools import transfer_table

    runs = tmp_path / "runs"
    for source, arch, acc in (("asp_lstm", "transfer_bc", 88.0), ("sp_lstm", "transfer_bc", 85.0),
                              ("asp_lstm", "transfer_sc", 86.0)):
        for target in ("books", "MR"):
            write_run(runs / source / target / "seed1" / arch, arch, 1, acc)
        write_run(runs / source / "books" / "seed1" / "source", source, 1, 80.0)
    for arch, acc in (("st_lstm", 80.0), ("st_bilstm", 82.0)):
        write_run(tmp_path / "cpu" / arch / "seed1", arch, 1, acc)
    out = tmp_path / "t.md"
    transfer_table.main(["--runs", str(runs), "--single", str(tmp_path / "cpu" / "st_lstm"),
                         "--out", str(out)])
    text = out.read_text()
    # books: single avg of LSTM and BiLSTM = 19.0 error; paper 19.2; SP-SC missing
    assert ("| φ (books) | 19.0 | 19.2 | - | 17.8 | 15.0 | 16.2 | 14.0 | "
            "16.7 | 12.0 | 13.3 |") in text
    # the average row: SP-SC has no run, so '-'; the others over books and MR
    assert "| **average over these 2 targets** | 19.0 | 23.0 | **-** | 21.9 | **15.0** |" in text
    assert "| asp_lstm | books | 1 | transfer_bc | 1 |" in text and "10.0 min" in text
    assert "fairseq-train --arch ARCH --seed SEED --save-dir RUN_DIR" in text  # the commands
    # notes on a partial table go right under the title, the table itself unchanged
    (tmp_path / "notes.md").write_text("\nSubset: books and MR.\n\n")
    transfer_table.main(["--runs", str(runs), "--single", str(tmp_path / "cpu" / "st_lstm"),
                         "--out", str(out), "--preamble", str(tmp_path / "notes.md")])
    lines = out.read_text().splitlines()
    assert lines[:3] == [text.splitlines()[0], "", "Subset: books and MR."]
    assert "\n".join(lines[4:]) == "\n".join(text.splitlines()[2:])


def test_transfer_table_averages_transfer_seeds_and_reports_their_spread(tmp_path):
    from fairseq_mtl_tools import transfer_table

    runs = tmp_path / "runs"
    accuracy = {"sp_lstm": 85.0, "asp_lstm": 86.0}
    for source in ("sp_lstm", "asp_lstm"):
        for target in ("books", "MR"):
            for arch in ("transfer_sc", "transfer_bc"):
                for seed, shift in ((1, 0.0), (2, 2.0), (3, 1.0)):
                    if (source, target, arch, seed) == ("asp_lstm", "MR", "transfer_sc", 3):
                        continue  # one run missing: seed 3 is not complete
                    name = arch if seed == 1 else f"{arch}.seed{seed}"
                    write_run(runs / source / target / "seed1" / name, arch, seed,
                              accuracy[source] + shift)
    write_run(tmp_path / "cpu" / "st_lstm" / "seed1", "st_lstm", 1, 80.0)
    out = tmp_path / "t.md"
    transfer_table.main(["--runs", str(runs), "--single", str(tmp_path / "cpu" / "st_lstm"),
                         "--out", str(out)])
    text = out.read_text()
    # books: the mean of the three transfer seeds (errors 15, 13, 14 and 14, 12, 13)
    assert ("| φ (books) | 20.0 | 19.2 | 14.0 | 17.8 | 14.0 | 16.2 | "
            "13.0 | 16.7 | 13.0 | 13.3 |") in text
    assert "| φ (MR) | 20.0 | 26.9 | 14.0 | 26.0 | 14.0 | 26.5 | 13.0 (2 runs) | 22.7 |" in text
    assert "mean test error of 3 transfer runs" in text
    assert "| asp_lstm | books | 1 | transfer_bc | 2 |" in text
    # all three seeds: the spread covers only books (seed 3 lacks asp_lstm/MR/transfer_sc)
    assert "over the 1 targets every transfer seed covers (not: MR)" in text
    assert "| 3 | 14.00 | 14.00 | 13.00 | 13.00 | -1.00 | -1.00 |" in text
    # seeds 1 and 2 chosen: both targets
    transfer_table.main(["--runs", str(runs), "--single", str(tmp_path / "cpu" / "st_lstm"),
                         "--out", str(out), "--spread-seeds", "1,2"])
    text = out.read_text()
    assert "over the 2 targets every transfer seed covers, per" in text
    assert "| 1 | 15.00 | 15.00 | 14.00 | 14.00 | -1.00 | -1.00 |" in text
    assert "| 2 | 13.00 | 13.00 | 12.00 | 12.00 | -1.00 | -1.00 |" in text
    assert "\n| 3 | " not in text
    assert ("| mean ±std | 14.00 ±1.41 | 14.00 ±1.41 | 13.00 ±1.41 | "
            "13.00 ±1.41 | -1.00 ±0.00 |") in text
    assert "Spread over source seeds" not in text  # one source seed


def test_transfer_table_averages_source_seeds_then_tests_the_paired_difference(tmp_path):
    from fairseq_mtl_tools import transfer_table

    runs = tmp_path / "runs"
    # source seed 1: transfer seeds 1 and 2; source seed 2: transfer seed 2 only, books only.
    # ASP-MTL-BC errors: books 10 and 12 (seed 1), 20 (seed 2); MR 10, 12. SP-MTL-BC: 14 everywhere
    error = {("asp_lstm", 1, 1): 10.0, ("asp_lstm", 1, 2): 12.0, ("asp_lstm", 2, 2): 20.0}
    for source in ("sp_lstm", "asp_lstm"):
        for target in ("books", "MR"):
            for source_seed, seed in ((1, 1), (1, 2), (2, 2)):
                if source_seed == 2 and target == "MR":
                    continue
                for arch in ("transfer_sc", "transfer_bc"):
                    name = arch if seed == source_seed else f"{arch}.seed{seed}"
                    e = error.get((source, source_seed, seed), 14.0)
                    write_run(runs / source / target / f"seed{source_seed}" / name, arch, seed,
                              100 - e)
    write_run(tmp_path / "cpu" / "st_lstm" / "seed1", "st_lstm", 1, 80.0)
    out = tmp_path / "t.md"
    transfer_table.main(["--runs", str(runs), "--single", str(tmp_path / "cpu" / "st_lstm"),
                         "--out", str(out)])
    text = out.read_text()
    # books ASP cells: the mean of source seed 1 (11 = mean of 10, 12) and source seed 2 (20)
    assert ("| φ (books) | 20.0 | 19.2 | 14.0 | 17.8 | 14.0 | 16.2 | "
            "15.5 | 16.7 | 15.5 | 13.3 |") in text
    # MR has only source seed 1: its cells say so
    assert "| 11.0 (1 source seed, 2 runs) | 22.7 | 11.0 (1 source seed, 2 runs) |" in text
    assert "mean over 2 source models (source seeds)" in text and "(2, 1 runs)" in text
    # the paired ASP-BC - SP-BC cells: +1.5 (books), -3.0 (MR); mean -0.75
    assert "ASP-MTL-BC minus SP-MTL-BC over the 2 targets: mean -0.75" in text
    assert "below zero on 1 of 2." in text
    # spread over the transfer seeds of source seed 1 (both targets), then over source seeds
    assert "source seed 1; average test error over the 2 targets every transfer seed" in text
    assert "over the 1 targets every source seed covers (not: MR)" in text
    assert "| 1 | 14.00 | 14.00 | 11.00 | 11.00 | -3.00 | -3.00 |" in text
    assert "| 2 | 14.00 | 14.00 | 20.00 | 20.00 | +6.00 | +6.00 |" in text
    assert "| asp_lstm | books | 2 | transfer_bc | 2 |" in text


def test_glue_table_scores_average_and_small_task_comparison(tmp_path):
    from fairseq_mtl_tools import glue_table

    def run(arch, seed, rte, cola):
        d = tmp_path / arch / f"seed{seed}"
        os.makedirs(d)
        tasks = [{"task": "RTE", "n": 277, "accuracy": rte, "score": rte},
                 {"task": "CoLA", "n": 1043, "accuracy": 70.0, "mcc": cola, "score": cola},
                 {"task": "SST-2", "n": 1821}]  # unscored rows are left out
        avg = (rte + cola) / 2
        json.dump({"split": "valid", "tasks": tasks, "average": {"score": avg}},
                  open(d / "eval_valid.json", "w"))
        json.dump({"seed": seed, "hardware": "2 CPU cores", "train_seconds": 120, "commit": "abc",
                   "profile_note": "cpu", "command": f"fairseq-train --arch {arch} --seed {seed}"
                   " --save-dir x"}, open(d / "run.json", "w"))

    run("st_lstm", 1, 50.0, 10.0)
    run("st_lstm", 2, 52.0, 12.0)
    run("asp_lstm", 1, 55.0, 9.0)
    out = tmp_path / "glue.md"
    glue_table.main(["--runs", str(tmp_path), "--out", str(out)])
    text = out.read_text()
    assert "| RTE (acc) | 51.00 ±1.41 | 55.00 |" in text
    assert "| CoLA (MCC) | 11.00 ±1.41 | 9.00 |" in text
    assert "| **GLUE-style average** | **31.00 ±1.41** | **32.00** |" in text
    # one seed in common: the difference of the means, no interval
    assert "- RTE, lstm: single 51.00 ±1.41; schemes: ASP-MTL +4.00\n" in text
    assert "- CoLA, lstm: single 11.00 ±1.41; schemes: ASP-MTL -2.00\n" in text
    # two seeds in common: the interval of the same-seed differences (+5, +7: mean +6,
    # t(1) 12.706 * sd 1.414 / sqrt 2 = 12.71)
    run("asp_lstm", 2, 59.0, 12.0)
    glue_table.main(["--runs", str(tmp_path), "--out", str(out)])
    assert "- RTE, lstm: single 51.00 ±1.41; schemes: ASP-MTL +6.00 [-6.71, +18.71]" in (
        out.read_text())
    # the thesis' NLI table names tasks a user must bring: they get a row, not a silent gap
    glue_table.main(["--runs", str(tmp_path), "--out", str(out), "--expect-tasks", "QNLI,RTE"])
    text = out.read_text()
    assert "| QNLI | not run | not run |" in text and text.count("| RTE (acc) |") == 1
    # single runs a seed the scheme has not: the interval is of seeds 1 and 2 alone, so their
    # mean difference (+6) goes beside the difference of all the means (+5)
    run("st_lstm", 3, 54.0, 14.0)
    glue_table.main(["--runs", str(tmp_path), "--out", str(out)])
    assert ("- RTE, lstm: single 52.00 ±2.00; schemes: ASP-MTL +5.00 (seeds 1, 2 alone: "
            "+6.00 [-6.71, +18.71])") in out.read_text()


def test_glue_table_with_a_per_task_yardstick_and_published_scores(tmp_path):
    """hf_reference.py runs one task at a time: each seed's tasks become one row set; the
    published scores come as a separate, cited table."""
    from fairseq_mtl_tools import glue_table

    runs, ref = tmp_path / "runs", tmp_path / "ref"

    def record(d, seed, rows, average=None):
        os.makedirs(d)
        valid = {"split": "valid", "tasks": rows}
        if average is not None:
            valid["average"] = {"score": average}
        json.dump(valid, open(d / "eval_valid.json", "w"))
        json.dump({"seed": seed, "hardware": "2 CPU cores", "train_seconds": 60, "commit": "c",
                   "profile_note": "minilm_cpu", "command": f"x --seed {seed}"},
                  open(d / "run.json", "w"))

    for seed, rte in ((1, 60.0), (2, 62.0)):
        record(runs / "st_transformer" / f"seed{seed}", seed,
               [{"task": "RTE", "accuracy": rte, "score": rte},
                {"task": "CoLA", "mcc": 40.0, "score": 40.0}], (rte + 40.0) / 2)
        record(ref / "RTE" / f"seed{seed}", seed, [{"task": "RTE", "accuracy": rte - 2,
                                                      "score": rte - 2}])
        record(ref / "CoLA" / f"seed{seed}", seed, [{"task": "CoLA", "mcc": 38.0,
                                                       "score": 38.0}])
    out = tmp_path / "t.md"
    glue_table.main(["--runs", str(runs), "--reference", str(ref), "--published", "minilm",
                     "--out", str(out)])
    text = out.read_text()
    assert "| RTE (acc) | 61.00 ±1.41 | 59.00 ±1.41 |" in text
    assert "| **GLUE-style average** | **50.50 ±0.71** | **48.50 ±0.71** |" in text
    # the yardstick is the single-task model trained elsewhere: beside the schemes, not one
    assert ("- RTE, transformer: single 61.00 ±1.41; schemes: none run; the transformers "
            "yardstick (single-task) -2.00 [-2.00, -2.00]") in text
    assert "| MiniLM-L6-H384 | 47.5 | 88.9 | 68.8 | 91.5 | - | - |" in text
    # ours minus the yardstick on every task both have (RTE +2, +2; CoLA +2, +2)
    assert "- RTE +2.00 [+2.00, +2.00]; CoLA +2.00 [+2.00, +2.00]" in text

    # a reference still under way (CoLA not run yet for seed 3's table): no average over
    # the tasks it happens to have
    for d in (ref / "CoLA" / "seed1", ref / "CoLA" / "seed2"):
        for f in d.iterdir():
            f.unlink()
        d.rmdir()
    glue_table.main(["--runs", str(runs), "--reference", str(ref), "--out", str(out)])
    text = out.read_text()
    assert "| **GLUE-style average** | **50.50 ±0.71** | **-** |" in text
    # ... and its runs table says which tasks each seed has so far
    assert "| transformers fine-tuning | 1 (RTE only) |" in text
    # ... and its column's header counts those seeds as partial
    assert "| transformers fine-tuning (2 seeds, 2 partial) |" in text


def test_glue_table_shows_one_yardstick_command_and_every_commit(tmp_path):
    """The yardstick's runs (one per task and seed) share one command line with TASK and
    OUT_DIR in it; a seed whose tasks ran at two commits names both."""
    from fairseq_mtl_tools import glue_table

    runs, ref = tmp_path / "runs", tmp_path / "ref"
    d = runs / "st_transformer" / "seed1"
    os.makedirs(d)
    json.dump({"split": "valid", "tasks": [{"task": "RTE", "accuracy": 60.0, "score": 60.0},
                                           {"task": "MRPC", "f1": 80.0, "accuracy": 70.0,
                                            "score": 75.0}]}, open(d / "eval_valid.json", "w"))
    json.dump({"seed": 1, "hardware": "cpu", "train_seconds": 60, "commit": "c0",
               "command": "fairseq-train --arch st_transformer --seed 1"},
              open(d / "run.json", "w"))
    for task, commit in (("RTE", "c1"), ("MRPC", "c2")):
        d = ref / task / "seed1"
        os.makedirs(d)
        json.dump({"split": "valid", "tasks": [{"task": task, "accuracy": 1.0, "score": 1.0}]},
                  open(d / "eval_valid.json", "w"))
        json.dump({"seed": 1, "hardware": "cpu", "train_seconds": 60, "commit": commit,
                   "command": f"python recipes/glue/hf_reference.py D --task {task} --seed 1 "
                   f"--out runs/{task}/seed1"}, open(d / "run.json", "w"))
    out = tmp_path / "t.md"
    glue_table.main(["--runs", str(runs), "--reference", str(ref), "--out", str(out)])
    text = out.read_text()
    assert text.count("hf_reference.py") == 1
    assert "hf_reference.py D --task TASK --seed SEED --out OUT_DIR" in text
    assert "| transformers fine-tuning | 1 | cpu | 2.0 min | c2, c1 |" in text


def test_glue_table_shows_the_same_models_trained_another_way_beside(tmp_path):
    """The pretrained table shows the from-scratch runs of the same archs (glue.md) as a second
    table: the main table's tasks first, "-" where that way did not train a task, and an
    average named by the tasks it covers."""
    from fairseq_mtl_tools import glue_table

    def run(root, arch, seed, scores):
        d = root / arch / f"seed{seed}"
        os.makedirs(d)
        rows = [{"task": t, "accuracy": v, "score": v} for t, v in scores.items()]
        json.dump({"split": "valid", "tasks": rows,
                   "average": {"score": sum(scores.values()) / len(scores)}},
                  open(d / "eval_valid.json", "w"))
        json.dump({"seed": seed, "hardware": "cpu", "train_seconds": 60, "commit": "c",
                   "command": f"fairseq-train --arch {arch} --seed {seed}"},
                  open(d / "run.json", "w"))

    pretrained, scratch = tmp_path / "pretrained", tmp_path / "scratch"
    run(pretrained, "st_transformer", 1, {"RTE": 60.0, "STS-B": 80.0})
    run(pretrained, "stack_pool_transformer", 1, {"RTE": 62.0, "STS-B": 79.0})
    for seed, rte in ((1, 50.0), (2, 54.0)):
        run(scratch, "stack_pool_transformer", seed, {"RTE": rte, "SST-2": 70.0})
    run(scratch, "sp_lstm", 1, {"RTE": 51.0, "SST-2": 71.0})  # not in the main table: left out
    out = tmp_path / "t.md"
    glue_table.main(["--runs", str(pretrained), "--beside", str(scratch), "--beside-label",
                     "from scratch", "--out", str(out)])
    text = out.read_text()
    beside = text[text.index("The same models from scratch:"):]
    assert "| task (metric) | S-P (2 seeds) |" in beside and "SP-MTL" not in beside
    assert "| RTE (acc) | 52.00 ±2.83 |\n| STS-B | - |\n| SST-2 (acc) | 70.00 ±0.00 |" in beside
    assert "| GLUE-style average of its 2 tasks | 61.00 ±1.41 |" in beside


def test_comparison_of_one_arch_trained_two_ways(tmp_path):
    from fairseq_mtl_tools import compare_runs

    for seed, (old, new) in enumerate(((80.0, 81.0), (82.0, 84.0)), start=1):
        write_run(tmp_path / "a" / "fs_lstm" / f"seed{seed}", "fs_lstm", seed, old)
        write_run(tmp_path / "b" / "fs_lstm" / f"seed{seed}", "fs_lstm", seed, new)
    out = tmp_path / "cmp.md"
    compare_runs.main(["--before", str(tmp_path / "a"), "--after", str(tmp_path / "b"),
                       "--arch", "fs_lstm", "--before-label", "dropped",
                       "--after-label", "all", "--out", str(out)])
    text = out.read_text()
    assert "| task | FS-MTL, dropped | FS-MTL, all | difference |" in text
    # error % (LSTM family): 20 ±1.41 before, 17.5 ±2.12 after
    assert "| books | 19.0 ±1.4 | 17.5 ±2.1 | -1.5 |" in text
    assert "| all | 2 | 2 CPU cores | 10.0 min | 16.0 | abc |" in text
    assert "--arch ARCH --seed SEED" in text


@pytest.mark.fast
def test_t_interval_and_the_tables_that_quote_it():
    from fairseq_mtl_tools.stats import t_interval
    from fairseq_mtl_tools.task_probe import paired_markdown

    mean, half = t_interval([5.0, 7.0])  # t(1) 97.5 % = 12.706, sd 1.414, sqrt(2)
    assert mean == 6.0 and abs(half - 12.706) < 1e-3
    mean, half = t_interval([1.0, 2.0, 3.0])  # t(2) = 4.303, sd 1, sqrt(3)
    assert mean == 2.0 and abs(half - 4.303 / 3 ** 0.5) < 1e-3
    with pytest.raises(ValueError, match="at least 2 values"):
        t_interval([1.0])
    # seeds for a given width: sd 1 and +-0.5 need t(n-1) / sqrt(n) <= 0.5: n = 18
    # (t(16) 2.120 / 4.123 = 0.514 > 0.5; t(17) 2.110 / 4.243 = 0.497)
    from fairseq_mtl_tools.stats import seeds_for_half_width

    assert seeds_for_half_width(1.0, 0.5) == 18
    assert seeds_for_half_width(0.0, 0.5) == 2 and seeds_for_half_width(9.0, 0.1, at_most=20) == 21
    # six differences of one sign: the exact two-sided signed-rank p is 2 / 2**6
    from fairseq_mtl_tools.stats import signed_rank_p

    assert abs(signed_rank_p([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) - 2 / 64) < 1e-12
    # ranks 1, 3, 5 negative: W = 9; 27 of the 64 sign patterns give a rank sum <= 9
    assert abs(signed_rank_p([-0.1, 0.2, -0.3, 0.4, -0.5, 0.6]) - 54 / 64) < 1e-12
    with pytest.raises(ValueError, match="at least 2 values"):
        signed_rank_p([1.0])
    # paired t: (-1, -0.5, -2) give t^2 = 7 on 2 degrees of freedom, two-sided p = 1 - sqrt(7) / 3
    # (with 2 degrees of freedom P(|T| > t) = 1 - t / sqrt(t^2 + 2)); zero differences: p = 1
    from fairseq_mtl_tools.stats import paired_t_p

    assert abs(paired_t_p([-1.0, -0.5, -2.0]) - (1 - 7 ** 0.5 / 3)) < 1e-12
    assert abs(paired_t_p([0.5, -0.5, 0.0]) - 1.0) < 1e-12
    with pytest.raises(ValueError, match="at least 2 values"):
        paired_t_p([1.0])
    # Welch: variances 1 and 1/6 over 3 and 4 values: 1/3 + 1/24 = 0.375, 2.50 degrees of
    # freedom, t 3.57 x sqrt(0.375)
    from fairseq_mtl_tools.stats import welch_interval

    mean, half = welch_interval([1.0, 2.0, 3.0], [1.5, 2.0, 2.5, 2.0])
    assert mean == 0.0 and abs(half - 2.1858) < 1e-3
    row = lambda shared: {"shared": shared, "word_mean": 60.0, "chance": 50.0,  # noqa: E731
                          "tasks": ["a", "b"]}
    text = paired_markdown([("p", row(90.0), row(85.0)), ("q", row(80.0), row(77.0))])
    # differences -5, -3: mean -4, half 12.706 * 1.414 / 1.414
    assert "-4.00 points, 95% t interval over the 2 pairs [-16.71, +8.71]" in text


def test_glue_table_ranks_the_schemes_against_the_thesis_order(tmp_path):
    """The Transformer models ranked by GLUE-style average, each step with its same-seed
    interval, and whether the thesis' order (single < S-P < L-I here) shows."""
    from fairseq_mtl_tools import glue_table

    averages = {"st_transformer": (50.0, 52.0), "stack_pool_transformer": (60.0, 62.0),
                "layerwise_implicit_transformer": (63.0, 66.0)}
    for arch, scores in averages.items():
        for seed, score in enumerate(scores, start=1):
            d = tmp_path / arch / f"seed{seed}"
            os.makedirs(d)
            json.dump({"split": "valid", "tasks": [{"task": "RTE", "accuracy": score,
                                                    "score": score}],
                       "average": {"score": score}}, open(d / "eval_valid.json", "w"))
            json.dump({"seed": seed, "hardware": "cpu", "train_seconds": 60, "commit": "c",
                       "command": f"fairseq-train --arch {arch} --seed {seed}"},
                      open(d / "run.json", "w"))
    out = tmp_path / "t.md"
    glue_table.main(["--runs", str(tmp_path), "--out", str(out)])
    text = out.read_text()
    # L-I - S-P: +3, +4 (mean 3.5, t(1) 12.706 * sd 0.707 / sqrt 2 = 6.35); S-P - single: +10, +10
    assert ("- here: L-I 64.50 ±2.12 > S-P 61.00 ±1.41 (by +3.50 [-2.85, +9.85]) > "
            "Transformer single 51.00 ±1.41 (by +10.00 [+10.00, +10.00])") in text
    assert "- thesis (FDU-MTL, Table 4.2): L-I > S-P > Transformer single" in text
    assert "- the same order; 1 of 2 steps have an interval that excludes zero" in text


def test_dev_curves_from_a_resumed_log_into_the_glue_table(tmp_path):
    """dev_curve keeps each epoch's validation values from fairseq's log (a resumed log's
    parts in order, an epoch validated twice at its last line); the GLUE table shows the small
    tasks' curves, mean over seeds, MRPC as (F1 + accuracy) / 2, and how many runs gained in
    their last epoch."""
    from fairseq_mtl_tools import dev_curve, glue_table

    def valid(epoch, rte, f1, acc):
        return (f"2026-12-01 02:00:00 | INFO | valid | epoch {epoch:03d} | valid on 'valid' "
                f"subset | loss 0.8 | RTE/loss 0.9 | RTE/n 277 | RTE/acc {rte} | avg_acc 50 | "
                f"MRPC/acc {acc} | MRPC/f1 {f1} | wps 10 | num_updates 9\n")

    runs = tmp_path / "runs"
    for seed, rte in ((1, 50.0), (2, 54.0)):
        d = runs / "stack_pool_transformer" / f"seed{seed}"
        os.makedirs(d)
        log = (valid(1, rte, 80.0, 70.0) + "2026 | INFO | train_inner | epoch 002: 10 / 20\n"
               + "# resumed from checkpoint_last.pt, commit abc\n" + valid(1, rte + 1, 80.0, 70.0)
               + valid(2, rte + 2, 82.0, 74.0))
        (d / "train.log").write_text(log)
        dev_curve.main([str(d / "train.log"), "--out", str(d / "dev_curve.json")])
        json.dump({"split": "valid", "tasks": [{"task": "RTE", "accuracy": rte,
                                                "score": rte}]}, open(d / "eval_valid.json", "w"))
        json.dump({"seed": seed, "hardware": "cpu", "train_seconds": 60, "commit": "c",
                   "command": "fairseq-train --arch stack_pool_transformer"},
                  open(d / "run.json", "w"))
    curve = json.loads((runs / "stack_pool_transformer/seed1/dev_curve.json").read_text())
    assert curve["epochs"]["1"] == {"RTE/acc": 51.0, "MRPC/acc": 70.0, "MRPC/f1": 80.0}
    out = tmp_path / "t.md"
    glue_table.main(["--runs", str(runs), "--out", str(out)])
    text = out.read_text()
    assert "| RTE (acc), 1 | 53.00 |\n| RTE (acc), 2 | 54.00 |" in text
    assert "| MRPC ((F1+acc)/2), 2 | 78.00 |" in text and "STS-B (Pearson)" not in text
    # seed by seed: RTE rose in epoch 2 for both runs (51 -> 52, 55 -> 56)
    assert "| RTE: runs that gained in their last epoch | 2 of 2 |" in text
    with pytest.raises(SystemExit, match="no validation lines"):
        (tmp_path / "empty.log").write_text("nothing validated\n")
        dev_curve.main([str(tmp_path / "empty.log"), "--out", str(tmp_path / "c.json")])


@pytest.mark.fast
def test_last_epoch_gains_counts_runs_not_means():
    """A mean over seeds can rise while most runs fell: the count is per run, over the runs
    that have two epochs of the metric (all its keys), the last against the one before."""
    from fairseq_mtl_tools.glue_table import last_epoch_gains

    keys = ("MRPC/acc", "MRPC/f1")

    def run(*epochs):
        return {"curve": {str(e + 1): {"MRPC/acc": v, "MRPC/f1": v} for e, v in enumerate(epochs)}}

    runs = [run(80, 79), run(80, 79.5), run(70, 90), run(85), {"curve": {"1": {"MRPC/acc": 1},
                                                                         "2": {"MRPC/acc": 2}}}]
    assert last_epoch_gains(runs, keys) == (1, 3)
    assert last_epoch_gains([run(1, 2, 1.5)], keys) == (0, 1)


def test_glue_averages_are_also_given_without_wnli_beside_its_majority_class(tmp_path):
    from conftest import write_glue
    from fairseq_mtl_tools import glue_table

    def run(seed, rte, wnli, confusion=None):
        d = tmp_path / "runs" / "st_transformer" / f"seed{seed}"
        os.makedirs(d)
        wnli_row = {"task": "WNLI", "n": 6, "accuracy": wnli, "score": wnli}
        if confusion:
            wnli_row["confusion"] = confusion
        tasks = [{"task": "RTE", "n": 6, "accuracy": rte, "score": rte}, wnli_row]
        json.dump({"split": "valid", "tasks": tasks, "average": {"score": (rte + wnli) / 2}},
                  open(d / "eval_valid.json", "w"))
        json.dump({"seed": seed, "hardware": "2 CPU cores", "train_seconds": 60, "commit": "abc",
                   "command": "fairseq-train --seed 1"}, open(d / "run.json", "w"))

    run(1, 60.0, 20.0)
    run(2, 62.0, 30.0, {"labels": ["not_entailment", "entailment"], "matrix": [[1, 3], [2, 0]]})
    out = tmp_path / "glue.md"
    glue_table.main(["--runs", str(tmp_path / "runs"), "--out", str(out)])
    text = out.read_text()
    assert "| **GLUE-style average** | **43.00 ±4.24** |" in text
    assert "| average without WNLI | 61.00 ±1.41 |" in text
    # from a run's confusion matrix (4 of 6 gold labels are not_entailment) ...
    assert "WNLI's majority class (not_entailment) scores 66.67 on its 6 dev examples" in text
    # ... or read from the raw dev file (write_glue's WNLI dev set: labels 0, 1, 0, 1, 0, 1)
    raw = write_glue(tmp_path / "glue", n=12)
    glue_table.main(["--runs", str(tmp_path / "runs"), "--out", str(out), "--glue-dir", str(raw)])
    assert "scores 50.00 on its 6 dev examples" in out.read_text()


def test_the_balancing_goal_check(tmp_path):
    """A configuration meets the goal when no task's interval lies wholly below single's and
    its average without WNLI lies wholly above; the check says which part failed."""
    from fairseq_mtl_tools import balancing_table

    scores = {"st_transformer": {1: (50, 80, 80, 80, 60), 2: (52, 81, 79, 81, 62),
                                 3: (51, 80, 80, 80, 61)},
              "good": {1: (51, 81, 81, 81, 62), 2: (53, 82, 80, 82, 64), 3: (52, 81, 81, 82, 62)},
              "worse_stsb": {1: (55, 85, 85, 70, 70), 2: (57, 86, 84, 71, 72),
                             3: (56, 85, 85, 70, 71)},
              "one_seed": {1: (60, 90, 90, 90, 70)},
              "worse_avg": {1: (45, 75, 75, 75, 55), 2: (46, 77, 73, 76, 58),
                            3: (46, 75, 75, 75, 56)}}
    for name, seeds in scores.items():
        for seed, values in seeds.items():
            d = tmp_path / "runs" / name / f"seed{seed}"
            os.makedirs(d)
            tasks = [{"task": t, "n": 10, "score": float(v)}
                     for t, v in zip(balancing_table.GOAL_TASKS, values)]
            json.dump({"split": "valid", "tasks": tasks}, open(d / "eval_valid.json", "w"))
            json.dump({"seed": seed, "hardware": "cpu", "train_seconds": 1, "commit": "abc",
                       "command": "fairseq-train --seed 1"}, open(d / "run.json", "w"))
    out = tmp_path / "t.md"
    balancing_table.main(["--runs", str(tmp_path / "runs"), "--out", str(out), "--columns",
                          "st_transformer,good,worse_stsb,one_seed,worse_avg"])
    lines = {line.split(":")[0]: line for line in out.read_text().splitlines()
             if line.startswith("- ")}
    assert lines["- good"].endswith("**meets the goal**")
    assert "worse than single (the interval below zero) on STS-B" in lines["- worse_stsb"]
    assert "CoLA" not in lines["- worse_stsb"].split("worse than single")[1].split(";")[0]
    assert lines["- worse_avg"].endswith("the average without WNLI is below single (the "
                                         "interval below zero))")
    # one seed is better everywhere, but no interval: neither met nor failed
    assert lines["- one_seed"].endswith("not checked (fewer than 2 seeds in common with "
                                        "single: no interval)")


def test_single_task_heads_get_compared_not_goal_checked(tmp_path):
    """single_pooler and the transformers yardstick are single-task fine-tuning: no goal check
    for them; instead the head's part and the code path's part of ours minus the yardstick."""
    from fairseq_mtl_tools import balancing_table, glue_table

    def record(d, seed, tasks):
        os.makedirs(d)
        json.dump({"split": "valid", "tasks": tasks}, open(d / "eval_valid.json", "w"))
        json.dump({"seed": seed, "hardware": "cpu", "train_seconds": 1, "commit": "abc",
                   "command": "fairseq-train --seed 1 --task TASK --out X"},
                  open(d / "run.json", "w"))

    # STS-B: mean pooling 86, [CLS] + pooler 85, the yardstick 84.5 (seed s adds s / 10)
    base = {"st_transformer": 86.0, "single_pooler": 85.0, "li": 85.5}
    for name, stsb in base.items():
        for seed in (1, 2, 3):
            record(tmp_path / "runs" / name / f"seed{seed}", seed,
                   [{"task": t, "n": 10, "score": (stsb if t == "STS-B" else 70.0) + seed / 10
                     + (0.01 * seed * seed if name != "st_transformer" else 0)}
                    for t in balancing_table.GOAL_TASKS])
    for task in balancing_table.GOAL_TASKS:
        for seed in (1, 2, 3):
            record(tmp_path / "hf" / task / f"seed{seed}", seed,
                   [{"task": task, "n": 10, "score": (84.5 if task == "STS-B" else 70.0)
                     + seed / 10 + 0.02 * seed * seed}])
    out = tmp_path / "t.md"
    balancing_table.main(["--runs", str(tmp_path / "runs"), "--out", str(out), "--columns",
                          "st_transformer,li,single_pooler", "--reference", str(tmp_path / "hf")])
    text = out.read_text()
    goal = text.split("The goal, each")[1].split("The heads")[0]
    assert "- li:" in goal and "single_pooler" not in goal and "hf_reference" not in goal
    heads = text.split("The heads")[1].splitlines()
    code_path = next(line for line in heads if line.startswith("- the code path"))
    head = next(line for line in heads if line.startswith("- the head"))
    # the seeds' extras average 0.01 x 14 / 3 (ours, pooler) and 0.02 x 14 / 3 (yardstick)
    assert "STS-B +0.45 [+0.35, +0.55]" in code_path and "STS-B +0.95 [+0.85, +1.05]" in head
    assert "transformers fine-tuning (3 seeds)" in text.splitlines()[2]  # a column of the table
    # a directory with no runs is an error naming it, not an empty column or table
    for argv, named in ((["--runs", str(tmp_path / "runs"), "--reference", str(tmp_path / "no")],
                         "no finished yardstick runs (TASK/seedN/run.json) under "),
                        (["--runs", str(tmp_path / "none")], "no finished runs (NAME/seedN/")):
        with pytest.raises(SystemExit, match=re.escape(named)):
            balancing_table.main(argv + ["--out", str(tmp_path / "x.md")])
    with pytest.raises(SystemExit, match="no finished runs"):
        glue_table.main(["--runs", str(tmp_path / "none"), "--out", str(tmp_path / "x.md")])
    assert not (tmp_path / "x.md").exists()


@pytest.mark.fast
def test_commands_name_no_checkout_and_say_which_runs_used_them():
    from fairseq_mtl_tools.glue_table import portable, seeds_of

    assert portable("/a/b/.venv/bin/fairseq-train /c/data-bin/glue --user-dir /d/e/user_dir "
                    "--pretrained=/f/pretrained/m --out x/data-bin") == (
        "ROOT/.venv/bin/fairseq-train ROOT/data-bin/glue --user-dir ROOT/user_dir "
        "--pretrained=ROOT/pretrained/m --out x/data-bin")
    assert seeds_of([("L-I", 1), ("L-I", 2), ("S-C", 3)]) == "L-I seeds 1, 2; S-C seed 3"


@pytest.mark.fast
def test_a_run_stopped_early_on_purpose_says_so_in_the_runs_table():
    from fairseq_mtl_tools.runinfo import max_epochs, profile_cell

    info = {"profile": "cpu", "profile_note": "cpu: hidden 100, 8 epochs",
            "command": "fairseq-train DATA --max-epoch 8 --seed 9 --max-epoch 3"}
    assert max_epochs(info["command"]) == 3 and max_epochs("fairseq-train DATA") is None
    assert profile_cell(info) == ("cpu: hidden 100, 8 epochs; stopped after 3 epochs "
                                  "(a last --max-epoch 3)")
    # the profile's own length, given once or repeated unchanged, adds nothing
    for command in ("fairseq-train --max-epoch 8", "fairseq-train --max-epoch 8 --max-epoch 8"):
        assert profile_cell(dict(info, command=command)) == "cpu: hidden 100, 8 epochs"
    assert profile_cell({"profile": "cpu", "profile_note": "", "command": ""}) == "cpu"
