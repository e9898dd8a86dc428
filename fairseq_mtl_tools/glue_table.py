"""GLUE dev-set results table from the records of ``recipes/glue/run_all.sh``.

Reads ``RUNS/ARCH/seedS/{eval_valid.json,run.json}``; one column per model (mean ± standard
deviation over seeds of each task's score: the official metric, or the mean of a task's two
metrics as the leaderboard does), the GLUE-style average, and whether a multi-task scheme beats
the single-task model of its family on the small tasks.

``--reference DIR`` adds the column of a yardstick trained one task at a time
(``recipes/glue/hf_reference.py``: ``DIR/TASK/seedS/{eval_valid.json,run.json}``), whose runs of
one seed are put together into one row set; ``--published NAME`` adds published dev scores of
other encoders (cited) for context; ``--beside DIR`` adds a second table of the same archs
trained another way (the pretrained table shows the from-scratch runs of ``glue.md``).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import statistics
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from fairseq_mtl.metrics import metric_of_row
from fairseq_mtl_tools.fdu_table import THESIS_AVG, command_template
from fairseq_mtl_tools.markdown import write_table
from fairseq_mtl_tools.stats import mean_std, t_interval

NAMES = {"st_lstm": "LSTM single", "fs_lstm": "FS-MTL", "sp_lstm": "SP-MTL",
         "asp_lstm": "ASP-MTL", "st_transformer": "Transformer single",
         "stack_pool_transformer": "S-P", "stack_cls_transformer": "S-C",
         "layerwise_implicit_transformer": "L-I", "layerwise_explicit_transformer": "L-E",
         "asp_transformer": "ASP-Transformer"}
ORDER = list(NAMES)
REFERENCE = "hf_reference"  # the transformers yardstick's column
NAMES[REFERENCE] = "transformers fine-tuning"
#: the tasks where multi-task training is expected to help (MT-DNN: the small ones)
SMALL_TASKS = ("RTE", "MRPC", "STS-B", "CoLA")
#: published GLUE dev scores of small encoders, for context (not comparable runs of ours)
PUBLISHED = {
    "minilm": ("MiniLM-L6-H384 (unilm MiniLM README) and BERT-base (DistilBERT paper, Table 1)",
               {"MiniLM-L6-H384": {"CoLA": 47.5, "SST-2": 91.5, "MRPC": 88.9, "RTE": 68.8},
                "BERT-base": {"CoLA": 56.3, "SST-2": 92.7, "MRPC": 88.6, "STS-B": 89.0,
                              "RTE": 69.3, "WNLI": 53.5}}),
}


def load(runs_dir: str) -> Dict[str, List[Dict]]:
    runs = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(runs_dir, "*", "seed*", "run.json"))):
        run_dir = os.path.dirname(path)
        arch = os.path.basename(os.path.dirname(run_dir))
        record = {"info": json.load(open(path)),
                  "valid": json.load(open(os.path.join(run_dir, "eval_valid.json")))}
        curve = os.path.join(run_dir, "dev_curve.json")  # fairseq_mtl_tools.dev_curve
        if os.path.exists(curve):
            record["curve"] = json.load(open(curve))["epochs"]
        runs[arch].append(record)
    return runs


def unique(values: Iterable[str]) -> List[str]:
    """``values`` without repeats, in their first order."""
    return list(dict.fromkeys(values))


def load_reference(reference_dir: str, tasks: Iterable[str] = ()) -> List[Dict]:
    """Per-task yardstick runs (``TASK/seedS``) put together per seed: one record per seed
    with every task's row, and the GLUE-style average when the seed has every task: every one
    of ``tasks`` (the table's: the schemes' runs) and every task the reference has run."""
    from fairseq_mtl.metrics import glue_average

    by_seed = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(reference_dir, "*", "seed*", "run.json"))):
        run_dir = os.path.dirname(path)
        valid = json.load(open(os.path.join(run_dir, "eval_valid.json")))
        info = json.load(open(path))
        by_seed[info["seed"]].append((info, valid["tasks"]))
    tasks = set(tasks) | {row["task"] for runs in by_seed.values() for _, rows in runs
                          for row in rows}
    out = []
    for seed, runs in sorted(by_seed.items()):
        rows = [row for _, task_rows in runs for row in task_rows]
        infos = [info for info, _ in runs]
        record = {"info": dict(infos[0], train_seconds=sum(i["train_seconds"] for i in infos),
                               # one command line for every task and seed; each commit and
                               # hardware any of the seed's tasks ran on
                               command=re.sub(r"--out \S+", "--out OUT_DIR", re.sub(
                                   r"--task \S+", "--task TASK", infos[0]["command"])),
                               commit=", ".join(unique(i["commit"] for i in infos)),
                               hardware="; ".join(unique(i["hardware"] for i in infos))),
                  "valid": {"tasks": rows}}
        if {row["task"] for row in rows} == tasks:
            record["valid"]["average"] = {
                "score": glue_average({row["task"]: row["score"] for row in rows})}
        else:  # the runs table says which tasks this seed has so far
            record["info"]["tasks_run"] = [row["task"] for row in rows]
        out.append(record)
    return out


def add_reference(runs: Dict[str, List[Dict]], reference_dir: str) -> None:
    """The yardstick's per-task runs as the column ``REFERENCE`` of ``runs``; an average needs
    the other columns' every task, so a half-run reference gets none."""
    tasks = {row["task"] for records in runs.values() for run in records
             for row in run["valid"]["tasks"]}
    runs[REFERENCE] = load_reference(reference_dir, tasks)
    if not runs[REFERENCE]:
        raise SystemExit(f"no finished yardstick runs (TASK/seedN/run.json) under {reference_dir}")


def published_table(key: str) -> List[str]:
    source, rows = PUBLISHED[key]
    tasks = sorted({t for scores in rows.values() for t in scores})
    lines = ["", f"Published dev scores for context ({source}); other checkpoints, not runs of "
             "this project:", "", "| encoder | " + " | ".join(tasks) + " |",
             "|---|" + "---|" * len(tasks)]
    for name, scores in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{scores[t]:.1f}" if t in scores else "-"
                                                 for t in tasks) + " |")
    return lines


def fmt(by_seed: Dict[int, float]) -> str:
    """A cell: the score, or its mean ±std over seeds (``by_seed``: seed -> score)."""
    return mean_std(list(by_seed.values()), 2)


def seeds_label(n: int) -> str:
    return "1 seed" if n == 1 else f"{n} seeds"


def column_label(runs: List[Dict]) -> str:
    """How many seeds a column has, and how many of them lack tasks (a yardstick seed still
    under way: its tasks' cells count it, its average does not)."""
    partial = sum("tasks_run" in run.get("info", {}) for run in runs)
    return seeds_label(len(runs)) + (f", {partial} partial" if partial else "")


def difference(scores: Dict[int, float], base: Dict[int, float]):
    """``scores`` (seed -> score) minus ``base``: the difference of the means over seeds, and,
    with two or more seeds in common, the 95 % t interval (low, high) of the same-seed
    differences, else None."""
    diff = statistics.mean(scores.values()) - statistics.mean(base.values())
    common = sorted(set(scores) & set(base))
    if len(common) < 2:
        return diff, None
    mean, half = t_interval([scores[s] - base[s] for s in common])
    return diff, (mean - half, mean + half)


def versus(scores: Dict[int, float], base: Dict[int, float]) -> str:
    """``difference`` as a cell: ``+d`` or ``+d [low, high]``. Where the two have run different
    seeds the interval is of the same-seed differences only, so their mean goes beside it
    (``+d (seeds 1, 2 alone: +m [low, high])``): the difference of all the means need not lie in
    it."""
    diff, interval = difference(scores, base)
    if interval is None:
        return f"{diff:+.2f}"
    bounds = f"[{interval[0]:+.2f}, {interval[1]:+.2f}]"
    common = sorted(set(scores) & set(base))
    if set(scores) == set(base):
        return f"{diff:+.2f} {bounds}"
    paired = statistics.mean(scores[s] - base[s] for s in common)
    return f"{diff:+.2f} (seeds {', '.join(map(str, common))} alone: {paired:+.2f} {bounds})"


def collect(runs: Dict[str, List[Dict]], archs: Sequence[str]):
    """The tasks in the runs' order, each task's metric label, and arch -> task (or ``_avg``)
    -> seed -> score."""
    tasks: List[str] = []
    labels: Dict[str, str] = {}
    by_seed = defaultdict(lambda: defaultdict(dict))
    for arch in archs:
        for run in runs[arch]:
            for row in run["valid"]["tasks"]:
                if "score" not in row:
                    continue
                if row["task"] not in tasks:
                    tasks.append(row["task"])
                labels[row["task"]] = metric_of_row(row).label
                by_seed[arch][row["task"]][run["info"]["seed"]] = row["score"]
            if "average" in run["valid"]:
                by_seed[arch]["_avg"][run["info"]["seed"]] = run["valid"]["average"]["score"]
    return tasks, labels, by_seed


#: the task that GLUE averages are also given without: WNLI's dev set is adversarial to its
#: training set (a model that learns it scores below the majority class), and 71 examples
LEFT_OUT = "WNLI"


def average_without(by_seed, arch: str, tasks: Sequence[str], left_out: str = LEFT_OUT
                    ) -> Dict[int, float]:
    """seed -> the GLUE-style average of the arch's tasks other than ``left_out`` (the mean of
    the task scores as recorded, to 0.01), for the seeds that have every one of them."""
    others = [t for t in tasks if t != left_out]
    seeds = set.intersection(*(set(by_seed[arch].get(t, {})) for t in others)) if others else set()
    return {seed: statistics.mean(by_seed[arch][t][seed] for t in others)
            for seed in sorted(seeds)}


def majority_line(runs: Dict[str, List[Dict]], task: str = LEFT_OUT,
                  glue_dir: Optional[str] = None) -> List[str]:
    """The task's majority-class accuracy on dev, beside which its scores should be read: from
    the raw GLUE dev file (``glue_dir``, read as fairseq-mtl-prepare reads it), else from a
    run's confusion matrix (recorded by fairseq-mtl-evaluate since it writes one)."""
    if glue_dir:
        from collections import Counter

        from fairseq_mtl.data.formats.glue import read_glue_task
        from fairseq_mtl.data.problems import Problems

        data = read_glue_task(glue_dir, task, Problems())
        counts = Counter(e.label for e in data.splits["valid"])
        label, top = counts.most_common(1)[0]
        n = sum(counts.values())
        return [f"{task}'s majority class ({data.label_names.get(label, label)}) scores "
                f"{100.0 * top / n:.2f} on its {n} dev examples: read its row beside that."]
    for records in runs.values():
        for run in records:
            for row in run["valid"]["tasks"]:
                if row["task"] == task and "confusion" in row:
                    gold = [sum(r) for r in row["confusion"]["matrix"]]
                    label = row["confusion"]["labels"][gold.index(max(gold))]
                    return [f"{task}'s majority class ({label}) scores "
                            f"{100.0 * max(gold) / sum(gold):.2f} on its {sum(gold)} dev "
                            f"examples: read its row beside that."]
    return [f"{task}'s majority-class score: not in these runs' records (they predate the "
            f"confusion matrix that fairseq-mtl-evaluate now writes)."]


def beside_table(beside: Dict[str, List[Dict]], archs: Sequence[str], label: str,
                 tasks: Sequence[str]) -> List[str]:
    """The same archs trained another way (e.g. from scratch), one column each in the main
    table's order, per task (``-`` for a task that way did not train) and the GLUE-style
    average of the tasks it trained, named, since it need not be the main table's set."""
    archs = [a for a in archs if beside.get(a)]
    if not archs:
        return []
    own_tasks, labels, by_seed = collect(beside, archs)
    header = ["task (metric)"] + [f"{NAMES.get(a, a)} ({seeds_label(len(beside[a]))})"
                                  for a in archs]
    lines = ["", f"The same models {label}:", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    for task in list(tasks) + [t for t in own_tasks if t not in tasks]:
        name = f"{task} ({labels[task]})" if task in labels else task
        lines.append(f"| {name} | " + " | ".join(fmt(by_seed[a][task]) for a in archs) + " |")
    lines.append(f"| GLUE-style average of its {len(own_tasks)} tasks | "
                 + " | ".join(fmt(by_seed[a]["_avg"]) for a in archs) + " |")
    return lines


def ordering(by_seed, archs: Sequence[str]) -> List[str]:
    """The Transformer models ranked by their GLUE-style average (mean over seeds), each step
    down with its difference and same-seed interval, against the thesis' FDU-MTL order."""
    ranked = sorted((a for a in archs if a in THESIS_AVG and by_seed[a].get("_avg")),
                    key=lambda a: -statistics.mean(by_seed[a]["_avg"].values()))
    if len(ranked) < 2:
        return []
    thesis = sorted(ranked, key=lambda a: -THESIS_AVG[a])
    pairs = list(zip(ranked, ranked[1:]))
    order = f"{NAMES[ranked[0]]} {fmt(by_seed[ranked[0]]['_avg'])}"
    for a, b in pairs:
        order += (f" > {NAMES[b]} {fmt(by_seed[b]['_avg'])} "
                  f"(by {versus(by_seed[a]['_avg'], by_seed[b]['_avg'])})")
    intervals = [difference(by_seed[a]["_avg"], by_seed[b]["_avg"])[1] for a, b in pairs]
    measured = sum(1 for i in intervals if i is not None and (i[0] > 0 or i[1] < 0))
    return ["", "The thesis' ordering: the models ranked by their GLUE-style average (mean "
            "over seeds), each by how much it is below the one before [95 % t interval of the "
            "same-seed differences]:", "", f"- here: {order}",
            "- thesis (FDU-MTL, Table 4.2): " + " > ".join(NAMES[a] for a in thesis),
            f"- {'the same order' if ranked == thesis else 'not the same order'}; "
            f"{measured} of {len(pairs)} steps have an interval that excludes zero"]


#: the in-training validation's value of each small task closest to its official metric
#: (fairseq's validation logs STS-B's Pearson only; MRPC as (F1 + accuracy) / 2)
CURVE_METRICS = {"RTE": ("acc", ("RTE/acc",)), "MRPC": ("(F1+acc)/2", ("MRPC/f1", "MRPC/acc")),
                 "STS-B": ("Pearson", ("STS-B/pearson",)), "CoLA": ("MCC", ("CoLA/mcc",))}


def curves(runs: Dict[str, List[Dict]], archs: Sequence[str]) -> List[str]:
    """The small tasks' dev scores after every epoch (fairseq's in-training validation, from
    each run's ``dev_curve.json``), mean over the seeds that have them: when a scheme gains or
    loses against single-task training, not only whether it does at the end."""
    archs = [a for a in archs if any("curve" in run for run in runs[a])]
    if not archs:
        return []
    epochs = sorted({int(e) for a in archs for run in runs[a] for e in run.get("curve", {})})
    header = ["task (in-training metric), epoch"] + [
        f"{NAMES.get(a, a)} ({seeds_label(len(runs[a]))})" for a in archs]
    lines = ["", "The small tasks after every epoch: fairseq's in-training validation on the "
             "same dev sets (STS-B: Pearson only), mean over the seeds:", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for task, (label, keys) in CURVE_METRICS.items():
        for epoch in epochs:
            cells = []
            for a in archs:
                logged = [run.get("curve", {}).get(str(epoch), {}) for run in runs[a]]
                seeds = [statistics.mean(scores[k] for k in keys) for scores in logged
                         if all(k in scores for k in keys)]
                cells.append(f"{statistics.mean(seeds):.2f}" if seeds else "-")
            if any(cell != "-" for cell in cells):
                lines.append(f"| {task} ({label}), {epoch} | " + " | ".join(cells) + " |")
        gained = [last_epoch_gains(runs[a], keys) for a in archs]
        if any(total for _, total in gained):
            lines.append(f"| {task}: runs that gained in their last epoch | "
                         + " | ".join(f"{up} of {total}" if total else "-" for up, total in gained)
                         + " |")
    return lines


def last_epoch_gains(runs: List[Dict], keys: Sequence[str]) -> Tuple[int, int]:
    """(how many runs scored higher after their last epoch than after the one before, how many
    runs have both epochs): the seed-by-seed direction that a mean over seeds can hide."""
    up = total = 0
    for run in runs:
        scored = {int(e): statistics.mean(v[k] for k in keys)
                  for e, v in run.get("curve", {}).items() if all(k in v for k in keys)}
        if len(scored) >= 2:
            last, before = sorted(scored)[-1], sorted(scored)[-2]
            total += 1
            up += scored[last] > scored[before]
    return up, total


def portable(command: str) -> str:
    """``command`` with the checkout it ran in (``/any/path/{.venv,data-bin,user_dir,
    pretrained}/...``) written ``ROOT``: the runs of one recipe from different checkouts share
    a line, and the line names no machine."""
    return re.sub(r"(?<![^\s=])/\S*?/(?=(?:\.venv|data-bin|user_dir|pretrained)(?:/|\s|$))",
                  "ROOT/", command)


def seeds_of(ran: Sequence[Tuple[str, int]]) -> str:
    """``[("L-I", 1), ("L-I", 2), ("S-C", 1)]`` as ``L-I seeds 1, 2; S-C seed 1``."""
    by_name: Dict[str, List[str]] = {}
    for name, seed in ran:
        by_name.setdefault(name, []).append(str(seed))
    return "; ".join(f"{name} seed{'s' if len(seeds) > 1 else ''} {', '.join(seeds)}"
                     for name, seeds in by_name.items())


def build(runs: Dict[str, List[Dict]], title: str, expected: Sequence[str] = (),
          beside: Dict[str, List[Dict]] = None, beside_label: str = "trained another way",
          glue_dir: Optional[str] = None) -> str:
    """The table; ``expected`` tasks that no run has get a row saying so (the thesis' NLI table
    names MNLI and QNLI, which a user must bring); ``beside``: runs of the same archs trained
    another way, as a second table (``beside_table``)."""
    archs = [a for a in ORDER if a in runs] + sorted(a for a in runs if a not in ORDER)
    tasks, labels, by_seed = collect(runs, archs)
    header = ["task (metric)"] + [f"{NAMES.get(a, a)} ({column_label(runs[a])})" for a in archs]
    lines = [f"# {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for task in tasks:
        lines.append(f"| {task} ({labels[task]}) | "
                     + " | ".join(fmt(by_seed[a][task]) for a in archs) + " |")
    for task in expected:
        if task not in tasks:
            lines.append(f"| {task} | " + " | ".join("not run" for _ in archs) + " |")
    lines.append("| **GLUE-style average** | "
                 + " | ".join(f"**{fmt(by_seed[a]['_avg'])}**" for a in archs) + " |")
    if LEFT_OUT in tasks and len(tasks) > 1:
        without = {a: average_without(by_seed, a, tasks) for a in archs}
        lines.append(f"| average without {LEFT_OUT} | "
                     + " | ".join(fmt(without[a]) if without[a] else "-" for a in archs) + " |")
        lines += [""] + majority_line(runs, glue_dir=glue_dir)
    lines += ["", "Small tasks: does a multi-task scheme beat the single-task model of its "
              "family? Each scheme minus single: the difference of the means over seeds, and "
              "[the 95 % t interval of the same-seed differences] where two or more seeds are "
              "in common.", ""]
    for family, single in (("lstm", "st_lstm"), ("transformer", "st_transformer")):
        if single not in by_seed:
            continue
        schemes = [a for a in archs if a != single and a != REFERENCE and (
            a.endswith("transformer") == (family == "transformer"))]
        for task in SMALL_TASKS:
            if not by_seed[single].get(task):
                continue
            base = by_seed[single][task]
            better = [f"{NAMES.get(a, a)} {versus(by_seed[a][task], base)}"
                      for a in schemes if by_seed[a].get(task)]
            line = (f"- {task}, {family}: single {fmt(by_seed[single][task])}; schemes: "
                    + (", ".join(better) or "none run"))
            if family == "transformer" and by_seed[REFERENCE].get(task):
                # a yardstick of the single-task model, not a scheme
                line += (f"; the transformers yardstick (single-task) "
                         f"{versus(by_seed[REFERENCE][task], base)}")
            lines.append(line)
    lines += curves(runs, archs)
    lines += ordering(by_seed, archs)
    ours, theirs = by_seed.get("st_transformer", {}), by_seed.get(REFERENCE, {})
    checked = [t for t in tasks if ours.get(t) and theirs.get(t)]
    if checked:  # the path check: the same checkpoint, data and settings through transformers
        lines += ["", "The path check: our single-task fine-tuning minus the transformers "
                  "yardstick, per task (difference of the means over seeds [95 % t interval "
                  "of the same-seed differences]):", "",
                  "- " + "; ".join(f"{t} {versus(ours[t], theirs[t])}" for t in checked)]
    if beside:
        lines += beside_table(beside, archs, beside_label, tasks)
    lines += ["", "Runs (dev = the evaluation set; the reported model is the LAST checkpoint, "
              "nothing was selected on dev):", "",
              "| model | seed | hardware | train wall time | commit |", "|---|---|---|---|---|"]
    commands: Dict[str, List[Tuple[str, int]]] = {}  # template -> the (column, seed)s that ran it
    for arch in archs:
        for run in runs[arch]:
            info = run["info"]
            seed = info["seed"]
            if info.get("tasks_run"):
                seed = f"{seed} ({', '.join(info['tasks_run'])} only)"
            lines.append(f"| {NAMES.get(arch, arch)} | {seed} | {info['hardware']} | "
                         f"{info['train_seconds'] / 60:.1f} min | {info['commit']} |")
            ran = commands.setdefault(portable(command_template(info["command"])), [])
            ran.append((NAMES.get(arch, arch), info["seed"]))
    if commands:
        lines += ["", "Profile: " + runs[archs[0]][0]["info"].get("profile_note", "")
                  + (" (a column's own options follow in its command: where an option is "
                     "given twice, the last holds, as in fairseq)" if len(commands) > 1 else ""),
                  "", "Commands (recipes/glue/train.sh; ROOT the checkout; ARCH, SEED, RUN_DIR "
                  "per run" + ("; the yardstick: TASK, SEED, OUT_DIR" if REFERENCE in runs
                               else "") + "), each under the runs that used it:", "", "```"]
        for template, ran in commands.items():
            lines += ["# " + seeds_of(ran), template]
        lines += ["```"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", required=True)
    parser.add_argument("--reference", help="per-task yardstick runs (hf_reference.py)")
    parser.add_argument("--published", choices=sorted(PUBLISHED),
                        help="add published dev scores of other encoders for context")
    parser.add_argument("--out", required=True)
    parser.add_argument("--title", default="GLUE dev-set scores, single-task vs each scheme")
    parser.add_argument("--preamble", help="a markdown file put under the title")
    parser.add_argument("--beside", help="runs of the same archs trained another way (e.g. "
                        "from scratch): a second table")
    parser.add_argument("--beside-label", default="trained another way",
                        help="what --beside's runs are, after 'The same models'")
    parser.add_argument("--glue-dir", help="the raw GLUE directory: WNLI's majority class on "
                        "dev is read from it (else from the runs' confusion matrices)")
    parser.add_argument("--expect-tasks", default="",
                        help="comma-separated tasks that get a row even when no run has them")
    args = parser.parse_args(argv)
    expected = [t for t in args.expect_tasks.split(",") if t]
    runs = load(args.runs)
    if not runs:
        raise SystemExit(f"no finished runs (NAME/seedN/run.json) under {args.runs}")
    if args.reference:
        add_reference(runs, args.reference)
    beside = load(args.beside) if args.beside else None
    text = build(runs, args.title, expected, beside, args.beside_label, args.glue_dir)
    if args.published:
        text += "\n".join(published_table(args.published)) + "\n"
    write_table(text, args.out, args.preamble)


if __name__ == "__main__":
    main()
