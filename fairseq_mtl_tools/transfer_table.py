"""Paper Table 3 (shared-knowledge transfer, leave-one-out) from the records of
``recipes/fdu_mtl/transfer.sh``, beside the paper's numbers.

Layout read: ``RUNS/{sp_lstm,asp_lstm}/TARGET/seedS/{source,transfer_sc,transfer_bc}/`` with
``eval_test.json``, ``eval_valid.json`` and ``run.json`` in each; ``transfer_sc.seedT`` and
``transfer_bc.seedT`` beside them are further transfer runs (seed T) on the same source model.
Source seeds (``seedS``) are independent source models; a cell averages the transfer runs on
each source model, then the source models.
The single-task reference is our own single-task runs of the same profile (``--single``: the
st_lstm records, plus st_bilstm/st_slstm beside it when present, averaged like the paper's
"Avg." column).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import statistics
from collections import defaultdict
from typing import Dict, List

from fairseq_mtl_tools.fdu_table import PAPER_TASKS, command_template
from fairseq_mtl_tools.markdown import write_table

# Liu, Qiu & Huang (ACL 2017), Table 3: test error rates (%), rows in PAPER_TASKS order.
PAPER_TRANSFER = {
    ("sp_lstm", "transfer_sc"): [17.8, 15.1, 14.7, 15.0, 14.9, 13.1, 14.1, 19.9, 13.8, 14.2,
                                 16.6, 10.6, 13.0, 16.3, 12.4, 26.0],
    ("sp_lstm", "transfer_bc"): [16.2, 14.6, 15.5, 16.6, 12.3, 12.1, 14.2, 17.9, 12.2, 15.1,
                                 16.9, 10.2, 12.7, 16.2, 12.8, 26.5],
    ("asp_lstm", "transfer_sc"): [16.7, 15.1, 12.1, 14.6, 11.6, 11.6, 12.2, 16.4, 13.0, 14.8,
                                  11.5, 8.6, 14.3, 13.4, 12.5, 22.7],
    ("asp_lstm", "transfer_bc"): [13.3, 14.9, 12.4, 14.1, 13.6, 10.3, 10.5, 18.2, 11.2, 14.8,
                                  10.0, 9.7, 11.1, 13.6, 13.3, 23.5],
}
PAPER_TRANSFER_AVG = {("sp_lstm", "transfer_sc"): 15.5, ("sp_lstm", "transfer_bc"): 15.1,
                      ("asp_lstm", "transfer_sc"): 13.6, ("asp_lstm", "transfer_bc"): 13.4}
# Table 3's "Avg." of the three single-task models
PAPER_SINGLE_AVG = [19.2, 21.4, 19.9, 20.1, 15.7, 14.6, 17.8, 23.0, 16.3, 17.0, 15.9, 10.5, 14.7,
                    17.3, 17.3, 26.9]
COLUMNS = [("sp_lstm", "transfer_sc", "SP-MTL-SC"), ("sp_lstm", "transfer_bc", "SP-MTL-BC"),
           ("asp_lstm", "transfer_sc", "ASP-MTL-SC"), ("asp_lstm", "transfer_bc", "ASP-MTL-BC")]


def _error(eval_json: str, task: str) -> float:
    for row in json.load(open(eval_json))["tasks"]:
        if row["task"] == task:
            return float(row["error"])
    raise KeyError(f"{eval_json}: no task {task!r}")


def load_transfer(runs_dir: str):
    """-> {(source, arch): {(source seed, transfer seed): {target: error}}} and the run records."""
    by_run: Dict = defaultdict(lambda: defaultdict(dict))
    records: List[Dict] = []
    pattern = os.path.join(runs_dir, "*", "*", "seed*", "transfer_*", "eval_test.json")
    for path in sorted(glob.glob(pattern)):
        run_dir = os.path.dirname(path)
        arch = os.path.basename(run_dir).split(".seed")[0]
        seed_dir = os.path.dirname(run_dir)
        source_seed = int(os.path.basename(seed_dir)[len("seed"):])
        target = os.path.basename(os.path.dirname(seed_dir))
        source = os.path.basename(os.path.dirname(os.path.dirname(seed_dir)))
        info = json.load(open(os.path.join(run_dir, "run.json")))
        by_run[(source, arch)][(source_seed, info.get("seed"))][target] = _error(path, target)
        source_info_path = os.path.join(seed_dir, "source", "run.json")
        source_info = json.load(open(source_info_path)) if os.path.exists(source_info_path) else {}
        records.append({"source": source, "arch": arch, "target": target, "info": info,
                        "source_seed": source_seed, "source_info": source_info})
    records.sort(key=lambda r: (r["source"], r["target"], r["source_seed"],
                                r["info"].get("seed") or 0, r["arch"]))
    return by_run, records


def per_source_seed(by_run) -> Dict:
    """{(source, arch): {source seed: {target: mean error over its transfer runs}}}."""
    runs: Dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for column, keyed in by_run.items():
        for (source_seed, _), errors in keyed.items():
            for target, error in errors.items():
                runs[column][source_seed][target].append(error)
    return {column: {s: {t: mean(v) for t, v in targets.items()}
                     for s, targets in by_source.items()}
            for column, by_source in runs.items()}


def per_target(by_run) -> Dict:
    """{(source, arch): {target: (mean over source seeds of the mean over each one's transfer
    runs, transfer runs per source seed)}}."""
    counts: Dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for column, keyed in by_run.items():
        for (source_seed, _), errors in keyed.items():
            for target in errors:
                counts[column][target][source_seed] += 1
    means = per_source_seed(by_run)
    return {column: {t: (mean([means[column][s][t] for s in sorted(n)]),
                         tuple(n[s] for s in sorted(n)))
                     for t, n in targets.items()}
            for column, targets in counts.items()}


def load_single(single_dir: str) -> Dict[str, List[float]]:
    """Per task, the single-task errors of every seed of st_lstm/st_bilstm/st_slstm present."""
    per_task: Dict[str, List[float]] = defaultdict(list)
    parent = os.path.dirname(os.path.abspath(single_dir))
    for arch in ("st_lstm", "st_bilstm", "st_slstm"):
        for path in sorted(glob.glob(os.path.join(parent, arch, "seed*", "eval_test.json"))):
            for row in json.load(open(path))["tasks"]:
                per_task[row["task"]].append(float(row["error"]))
    return per_task


def mean(values):
    return statistics.mean(values) if values else None


def cell(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def spread(rows, targets, heading: str, row_name: str) -> List[str]:
    """Markdown lines: each column's average test error per row of ``rows`` ({label: {column:
    {target: error}}}) and the paired ASP-MTL minus SP-MTL differences, over the targets every
    row covers in every column; [] when fewer than two rows or no such target."""
    covered = [t for t in targets
               if all(t in row.get((src, a), {}) for row in rows.values() for src, a, _ in COLUMNS)]
    if len(rows) < 2 or not covered:
        return []
    left_out = [t for t in targets if t not in covered]
    scope = f"the {len(covered)} targets every {row_name} covers" + (
        f" (not: {', '.join(left_out)})" if left_out else "")
    lines = ["", heading.format(scope=scope), "",
             f"| {row_name} | " + " | ".join(name for _, _, name in COLUMNS)
             + " | ASP-MTL-BC - SP-MTL-BC | ASP-MTL-SC - SP-MTL-SC |",
             "|" + "---|" * (len(COLUMNS) + 3)]
    labels = sorted(rows)
    avg = {r: {(src, a): mean([rows[r][(src, a)][t] for t in covered]) for src, a, _ in COLUMNS}
           for r in labels}
    diffs = {a: [avg[r][("asp_lstm", a)] - avg[r][("sp_lstm", a)] for r in labels]
             for a in ("transfer_bc", "transfer_sc")}
    for i, r in enumerate(labels):
        lines.append(f"| {r} | " + " | ".join(f"{avg[r][(src, a)]:.2f}" for src, a, _ in COLUMNS)
                     + f" | {diffs['transfer_bc'][i]:+.2f} | {diffs['transfer_sc'][i]:+.2f} |")
    stats = [f"{mean(v):.2f} ±{statistics.stdev(v):.2f}"
             for v in ([avg[r][(src, a)] for r in labels] for src, a, _ in COLUMNS)]
    stats += [f"{mean(d):+.2f} ±{statistics.stdev(d):.2f}"
              for d in (diffs["transfer_bc"], diffs["transfer_sc"])]
    lines.append("| mean ±std | " + " | ".join(stats) + " |")
    return lines


def seed_spread(by_run, targets, seeds=None) -> List[str]:
    """The spread over transfer seeds on each source seed's models (``seeds``: the transfer seeds
    to show, default all seen), then the spread over source seeds."""
    lines: List[str] = []
    source_seeds = sorted({s for keyed in by_run.values() for s, _ in keyed})
    for source_seed in source_seeds:
        rows: Dict = defaultdict(dict)
        for column, keyed in by_run.items():
            for (s, t), errors in keyed.items():
                if s == source_seed and (seeds is None or t in seeds):
                    rows[t][column] = errors
        lines += spread(rows, targets, "Spread over transfer seeds (the same source models, "
                        f"source seed {source_seed}; average test error over {{scope}}, per "
                        "transfer seed):", "transfer seed")
    by_source = per_source_seed(by_run)
    rows = defaultdict(dict)
    for column, seeded in by_source.items():
        for s, errors in seeded.items():
            rows[s][column] = errors
    lines += spread(rows, targets, "Spread over source seeds (independent source models per "
                    "target, each row's transfer runs averaged; average test error over {scope}, "
                    "per source seed):", "source seed")
    return lines


def paired_over_targets(errors, targets) -> List[str]:
    """Per source kind, the ASP-MTL minus SP-MTL difference of the cells, over the targets:
    how many targets it is below zero on, its mean and a 95% t interval over targets."""
    from fairseq_mtl_tools.stats import t_interval

    lines = []
    for arch, kind in (("transfer_bc", "BC"), ("transfer_sc", "SC")):
        asp, sp = errors.get(("asp_lstm", arch), {}), errors.get(("sp_lstm", arch), {})
        both = [t for t in targets if t in asp and t in sp]
        if len(both) < 2:
            continue
        d = [asp[t][0] - sp[t][0] for t in both]
        _, half = t_interval(d)
        lines.append(f"ASP-MTL-{kind} minus SP-MTL-{kind} over the {len(d)} targets: mean "
                     f"{mean(d):+.2f}, 95% t interval over targets [{mean(d) - half:+.2f}, "
                     f"{mean(d) + half:+.2f}], below zero on {sum(x < 0 for x in d)} of "
                     f"{len(d)}.")
    return lines


def build_table(by_run, records, single, title: str, spread_seeds=None) -> str:
    errors = per_target(by_run)
    targets = [t for t in PAPER_TASKS
               if any(t in errors.get((s, a), {}) for s, a, _ in COLUMNS)]
    header = ["target (transfer from the other 15)", "single avg (ours)", "paper"]
    for _, _, name in COLUMNS:
        header += [f"{name} (ours)", "paper"]
    lines = [f"# {title}", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    sums = defaultdict(list)
    counts = [errors[(s, a)][t][1] for s, a, _ in COLUMNS for t in targets
              if t in errors.get((s, a), {})]
    # the most common runs-per-source-seed signature; ties go to the fuller one
    usual = (max(set(counts), key=lambda c: (counts.count(c), len(c), sum(c)))
             if counts else (1,))
    for t in targets:
        i = PAPER_TASKS.index(t)
        row = [f"φ ({t})", cell(mean(single.get(t, []))), f"{PAPER_SINGLE_AVG[i]:.1f}"]
        sums["single"].append(mean(single.get(t, [])))
        sums["paper_single"].append(PAPER_SINGLE_AVG[i])
        for source, arch, _ in COLUMNS:
            ours, n = errors.get((source, arch), {}).get(t, (None, usual))
            seeds = f"{len(n)} source seed" + ("s" if len(n) > 1 else "")
            note = "" if n == usual else (f" ({sum(n)} runs)" if len(n) == len(usual) else
                                          f" ({seeds}, {sum(n)} runs)")
            row += [cell(ours) + note, f"{PAPER_TRANSFER[(source, arch)][i]:.1f}"]
            sums[(source, arch)].append(ours)
            sums[("paper", source, arch)].append(PAPER_TRANSFER[(source, arch)][i])
        lines.append("| " + " | ".join(row) + " |")

    def avg(key):
        values = sums[key]
        return None if not values or any(v is None for v in values) else mean(values)

    row = [f"**average over these {len(targets)} targets**", cell(avg("single")),
           cell(avg("paper_single"))]
    for source, arch, _ in COLUMNS:
        row += [f"**{cell(avg((source, arch)))}**", cell(avg(("paper", source, arch)))]
    lines.append("| " + " | ".join(row) + " |")
    lines += ["", f"Paper averages over all 16 targets: single {mean(PAPER_SINGLE_AVG):.1f}, "
              + ", ".join(f"{name} {PAPER_TRANSFER_AVG[(s, a)]:.1f}" for s, a, name in COLUMNS)
              + ". A '-' is a run not done yet; the average row is '-' unless every target in "
              "the table has the column."
              + (f" Each of our cells is the mean test error of {usual[0]} transfer runs "
                 "(transfer seeds) on one source model; '(k runs)' marks a cell with another "
                 "count." if len(usual) == 1 and usual[0] > 1 else "")
              + (f" Each of our cells is the mean over {len(usual)} source models (source seeds)"
                 " of the mean test error of the transfer runs on each ("
                 + ", ".join(str(k) for k in usual) + " runs); a cell with other counts says "
                 "them." if len(usual) > 1 else "")]
    paired = paired_over_targets(errors, targets)
    if paired:
        lines += [""] + [" ".join(paired)]
    lines += seed_spread(by_run, targets, spread_seeds)
    lines += ["", "Runs (source = the 15-task model whose shared layer is transferred; model "
              "selection on the dev average for the source, on the target's dev accuracy for "
              "the transfer; test scored once):", "",
              "| source | target | source seed | transfer | seed | hardware | source train time "
              "| transfer train time | commit |", "|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        info, src = r["info"], r["source_info"]
        src_time = f"{src['train_seconds'] / 60:.1f} min" if src.get("train_seconds") else "-"
        if src.get("time_note"):  # e.g. a resumed run whose earlier part's time was not kept
            src_time += f" ({src['time_note']})"
        lines.append(
            f"| {r['source']} | {r['target']} | {r['source_seed']} | {r['arch']} | "
            f"{info.get('seed')} | "
            f"{info.get('hardware')} | {src_time} | {info['train_seconds'] / 60:.1f} min | "
            f"{info.get('commit')} |"
        )
    if records:
        lines += ["", "Profile: " + records[0]["info"].get("profile_note", "")]
    templates = sorted(
        {re.sub(r"--tasks \S+", "--tasks OTHER_15_TASKS",
                command_template(r["source_info"]["command"]))
         for r in records if r["source_info"].get("command")}
        | {re.sub(r"--shared-encoder \S+", "--shared-encoder SOURCE_RUN_DIR/shared.pt",
                  re.sub(r"--tasks \S+", "--tasks TARGET", command_template(r["info"]["command"])))
           for r in records if r["info"].get("command")})
    if templates:
        lines += ["", "Command of every run (sources and transfers, run by "
                  "recipes/fdu_mtl/transfer.sh PROFILE SEED TARGET with TRANSFER_SEEDS; ARCH, "
                  "SEED and TARGET as in the table above, one RUN_DIR per run):", "",
                  "```", *templates, "```"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", required=True)
    parser.add_argument("--single", required=True, help="the st_lstm records of the profile")
    parser.add_argument("--out", required=True)
    parser.add_argument("--title", default="FDU-MTL shared-knowledge transfer (paper Table 3): "
                        "test error %")
    parser.add_argument("--preamble", help="a markdown file put under the title (notes on the "
                        "runs, e.g. which targets a partial table covers and why)")
    parser.add_argument("--spread-seeds", type=lambda v: [int(x) for x in v.split(",")],
                        help="comma-separated transfer seeds of the spread table (default: all "
                        "seen; it covers the targets that all of them cover)")
    args = parser.parse_args(argv)
    by_run, records = load_transfer(args.runs)
    write_table(build_table(by_run, records, load_single(args.single), args.title,
                            args.spread_seeds), args.out, args.preamble)


if __name__ == "__main__":
    main()
