"""The task-balancing table (recipes/glue/balancing.sh -> thesis_results/glue_task_balancing.md):
the GLUE table of every configuration (glue_table's, averages with and without WNLI), then the
goal check of each configuration against single-task fine-tuning.

    python -m fairseq_mtl_tools.balancing_table --runs DIR[,DIR...] --out FILE \\
        [--columns st_transformer,layerwise_implicit_transformer,li_uncertainty,...]

The goal (one MTL configuration "helps every task"): on each of CoLA, SST-2, MRPC, STS-B and RTE
at least equal to single, i.e. no 95 % t interval of the same-seed differences (configuration
minus single) lying wholly below zero, and on the average without WNLI a difference whose
interval lies wholly above zero. A configuration with fewer than two seeds in common with single
gets no interval and cannot meet it.

Single-task columns (``single_pooler``: ours with BERT's [CLS] + pooler head; ``hf_reference``:
the transformers yardstick, ``--reference``, which has that head) are not MTL configurations:
they get the heads' comparison instead of the goal check. Ours minus the yardstick with the same
head is the code path alone; our mean pooling minus our [CLS] + pooler is the head alone.
"""
import argparse
from typing import Dict, List, Sequence

from fairseq_mtl_tools.glue_table import (
    LEFT_OUT,
    REFERENCE,
    add_reference,
    average_without,
    build,
    collect,
    difference,
    load,
    versus,
)
from fairseq_mtl_tools.markdown import write_table

GOAL_TASKS = ("CoLA", "SST-2", "MRPC", "STS-B", "RTE")
SINGLE = "st_transformer"
POOLER = "single_pooler"
SINGLE_TASK = (SINGLE, POOLER, REFERENCE)  # not MTL configurations: no goal check


def goal_lines(runs: Dict[str, List[Dict]], columns: Sequence[str], single: str = SINGLE
               ) -> List[str]:
    tasks, _, by_seed = collect(runs, columns)
    if single not in by_seed:
        return []
    base_avg = average_without(by_seed, single, tasks)
    lines = ["", f"The goal, each configuration against single-task fine-tuning ({single}): "
             "the difference of the means over seeds [95 % t interval of the same-seed "
             f"differences] on each task and on the average without {LEFT_OUT}:", ""]
    for column in columns:
        if column in SINGLE_TASK:
            continue
        cells, below, missing, unpaired = [], [], [], False
        for task in GOAL_TASKS:
            if not by_seed[column].get(task) or not by_seed[single].get(task):
                missing.append(task)
                continue
            cells.append(f"{task} {versus(by_seed[column][task], by_seed[single][task])}")
            _, interval = difference(by_seed[column][task], by_seed[single][task])
            unpaired |= interval is None
            if interval is not None and interval[1] < 0:  # all of it below zero
                below.append(task)
        avg = average_without(by_seed, column, tasks)
        above = under = False
        if avg and base_avg:
            cells.append(f"average without {LEFT_OUT} {versus(avg, base_avg)}")
            _, interval = difference(avg, base_avg)
            above = interval is not None and interval[0] > 0
            under = interval is not None and interval[1] < 0
        if unpaired and not missing:  # one common seed: a difference, but no interval to judge
            lines.append(f"- {column}: " + "; ".join(cells) + ". not checked (fewer than 2 "
                         "seeds in common with single: no interval)")
            continue
        verdict = ("**meets the goal**" if not below and not missing and above else
                   "does not meet the goal (" + "; ".join(
                       ([f"worse than single (the interval below zero) on "
                         f"{', '.join(below)}"]
                        if below else [])
                       + ([f"not run on {', '.join(missing)}"] if missing else [])
                       + ([] if above else
                          [f"the average without {LEFT_OUT} is below single (the interval "
                           "below zero)"] if under else
                          [f"the average without {LEFT_OUT} is not above single with an "
                           "interval that excludes zero"]))
                   + ")")
        lines.append(f"- {column}: " + "; ".join(cells) + f". {verdict}")
    return lines


def head_lines(runs: Dict[str, List[Dict]], columns: Sequence[str]) -> List[str]:
    """Which part of "ours minus the yardstick" is the head and which the code path: ours with
    the yardstick's head against the yardstick, and our mean pooling against our [CLS] +
    pooler, per task and on the average without WNLI."""
    pairs = [(POOLER, REFERENCE, "the code path, the same head: ours with [CLS] + pooler "
              "minus the transformers yardstick"),
             (SINGLE, POOLER, "the head, the same code: ours with mean pooling minus ours "
              "with [CLS] + pooler"),
             (SINGLE, REFERENCE, "both: ours with mean pooling minus the yardstick")]
    pairs = [(a, b, what) for a, b, what in pairs if a in runs and b in runs]
    if not pairs:
        return []
    tasks, _, by_seed = collect(runs, columns)
    lines = ["", "The heads (single-task fine-tuning only; the difference of the means over "
             "seeds [95 % t interval of the same-seed differences]):", ""]
    for a, b, what in pairs:
        cells = [f"{t} {versus(by_seed[a][t], by_seed[b][t])}" for t in tasks
                 if by_seed[a].get(t) and by_seed[b].get(t)]
        avg_a, avg_b = average_without(by_seed, a, tasks), average_without(by_seed, b, tasks)
        if avg_a and avg_b:
            cells.append(f"average without {LEFT_OUT} {versus(avg_a, avg_b)}")
        lines.append(f"- {what}: " + "; ".join(cells))
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", required=True, help="run directories, comma-separated "
                        "(NAME/seedN/{run.json,eval_valid.json} under each)")
    parser.add_argument("--columns", default="", help="the configurations to show, in order "
                        "(default: every one found)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--title", default="Task balancing on GLUE: every configuration "
                        "against single-task fine-tuning")
    parser.add_argument("--preamble", help="a markdown file put under the title")
    parser.add_argument("--glue-dir", help="the raw GLUE directory (WNLI's majority class)")
    parser.add_argument("--reference", help="the transformers yardstick's per-task runs "
                        "(recipes/glue/hf_reference.py): a column and the heads' comparison")
    args = parser.parse_args(argv)
    runs: Dict[str, List[Dict]] = {}
    for directory in args.runs.split(","):
        for name, records in load(directory).items():
            runs.setdefault(name, []).extend(records)
    columns = [c for c in args.columns.split(",") if c] or sorted(runs)
    runs = {c: runs[c] for c in columns if c in runs}
    if not runs:
        raise SystemExit("no finished runs (NAME/seedN/run.json)"
                         + (f" of {args.columns}" if args.columns else "") + f" under {args.runs}")
    if args.reference:
        add_reference(runs, args.reference)
    text = build(runs, args.title, glue_dir=args.glue_dir)
    text = (text.rstrip("\n") + "\n" + "\n".join(goal_lines(runs, list(runs))
                                                 + head_lines(runs, list(runs))) + "\n")
    write_table(text, args.out, args.preamble)


if __name__ == "__main__":
    main()
