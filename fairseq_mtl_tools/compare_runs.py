"""``python -m fairseq_mtl_tools.compare_runs``: one model trained two ways, side by side.

    python -m fairseq_mtl_tools.compare_runs --family lstm --arch fs_lstm \\
        --before thesis_results/runs/cpu --after thesis_results/runs/cpu-alldata \\
        --before-label "remainder dropped" --after-label "every example" --out cmp.md

Reads the run records of ``ARCH`` under both directories (``<dir>/<arch>/seed<N>/``, as
:mod:`fairseq_mtl_tools.fdu_table` does) and writes per-task test scores (mean ±std over
seeds) before and after, their difference, the averages per seed, and every run's seed,
hardware, wall time, commit and command. The difference of the means is set against the seed
spread: with 3 seeds a difference inside it is not evidence of a change.
"""
import argparse
import statistics

from fairseq_mtl_tools.fdu_table import (
    FAMILIES,
    NAMES,
    PAPER_TASKS,
    command_template,
    fmt,
    load_runs,
)
from fairseq_mtl_tools.markdown import write_table


def _task_scores(runs, key, task):
    return [next(r[key] for r in run["test"]["tasks"] if r["task"] == task) for run in runs]


def _diff(before, after, digits):
    if not before or not after:
        return "-"
    return f"{statistics.mean(after) - statistics.mean(before):+.{digits}f}"


def build(before, after, arch, family, labels, title):
    key, label = FAMILIES[family][:2]
    digits = 2 if family == "transformer" else 1
    name = NAMES.get(arch, arch)
    lines = [f"# {title}", "",
             f"| task | {name}, {labels[0]} | {name}, {labels[1]} | difference |",
             "|---|---|---|---|"]
    tasks = [t["task"] for t in after[0]["test"]["tasks"]]
    for task in [t for t in PAPER_TASKS if t in tasks] + [t for t in tasks
                                                         if t not in PAPER_TASKS]:
        b, a = _task_scores(before, key, task), _task_scores(after, key, task)
        lines.append(f"| {task} | {fmt(b, digits)} | {fmt(a, digits)} | {_diff(b, a, digits)} |")
    b = [run["test"]["average"][key] for run in before]
    a = [run["test"]["average"][key] for run in after]
    lines.append(f"| **avg test {label}** | **{fmt(b, digits)}** | **{fmt(a, digits)}** | "
                 f"**{_diff(b, a, digits)}** |")
    bv = [run["valid"]["average"][key] for run in before]
    av = [run["valid"]["average"][key] for run in after]
    lines.append(f"| avg dev {label} (selection) | {fmt(bv, digits)} | {fmt(av, digits)} | "
                 f"{_diff(bv, av, digits)} |")
    lines += ["", f"Average test {label} of each run:", "",
              "| runs | seed | hardware | train wall time | avg test " + label + " | commit |",
              "|---|---|---|---|---|---|"]
    for which, runs in zip(labels, (before, after)):
        for run in sorted(runs, key=lambda r: r["info"]["seed"]):
            i = run["info"]
            lines.append(f"| {which} | {i['seed']} | {i['hardware']} | "
                         f"{i['train_seconds'] / 60:.1f} min | "
                         f"{run['test']['average'][key]:.{digits}f} | {i['commit']} |")
    lines += ["", "Commands (run by recipes/fdu_mtl/train.sh ARCH SEED PROFILE):", "", "```"]
    for which, runs in zip(labels, (before, after)):
        for template in sorted({command_template(r["info"]["command"]) for r in runs}):
            lines.append(f"# {which}")
            lines.append(template)
    lines.append("```")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", required=True, help="runs directory of the first set")
    p.add_argument("--after", required=True, help="runs directory of the second set")
    p.add_argument("--arch", required=True)
    p.add_argument("--family", choices=sorted(FAMILIES), default="lstm")
    p.add_argument("--before-label", default="before")
    p.add_argument("--after-label", default="after")
    p.add_argument("--title", default=None)
    p.add_argument("--preamble", default=None, help="markdown file inserted after the title")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    before = load_runs(args.before).get(args.arch)
    after = load_runs(args.after).get(args.arch)
    for which, runs, directory in (("--before", before, args.before),
                                   ("--after", after, args.after)):
        if not runs:
            raise SystemExit(f"{which}: no finished {args.arch} runs under {directory}")
    title = args.title or f"{NAMES.get(args.arch, args.arch)}: {args.before_label} vs " \
                          f"{args.after_label}"
    text = build(before, after, args.arch, args.family,
                 (args.before_label, args.after_label), title)
    write_table(text, args.out, args.preamble)


if __name__ == "__main__":
    main()
