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
"""
import argparse
from typing import Dict, List, Sequence

from fairseq_mtl_tools.glue_table import (
    LEFT_OUT,
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
        if column == single:
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
        above = False
        if avg and base_avg:
            cells.append(f"average without {LEFT_OUT} {versus(avg, base_avg)}")
            _, interval = difference(avg, base_avg)
            above = interval is not None and interval[0] > 0
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
                       + ([] if above else [f"the average without {LEFT_OUT} is not above "
                                            "single with an interval that excludes zero"]))
                   + ")")
        lines.append(f"- {column}: " + "; ".join(cells) + f". {verdict}")
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
    args = parser.parse_args(argv)
    runs: Dict[str, List[Dict]] = {}
    for directory in args.runs.split(","):
        for name, records in load(directory).items():
            runs.setdefault(name, []).extend(records)
    columns = [c for c in args.columns.split(",") if c] or sorted(runs)
    runs = {c: runs[c] for c in columns if c in runs}
    text = build(runs, args.title, glue_dir=args.glue_dir)
    text = text.rstrip("\n") + "\n" + "\n".join(goal_lines(runs, list(runs))) + "\n"
    write_table(text, args.out, args.preamble)


if __name__ == "__main__":
    main()
