"""The adversary's table on real data: each discriminator configuration's test error, what its
discriminator saw over training, what a task probe finds in its shared layer, and the paired
difference against a reference configuration (SP-MTL) over seeds.

    python -m fairseq_mtl_tools.adversary_table --runs runs/fdu_mtl/cpu-adversary \\
        --reference sp_watch --data data-bin/fdu-mtl --out thesis_results/adversary_fdu.md

``--runs`` holds ``NAME/seedS/`` directories written by recipes/fdu_mtl/train.sh (run.json,
eval_test.json, train.log, and shared.pt from ``fairseq-mtl-extract-shared``). From each
train.log the per-epoch dev ``adv_acc`` and train ``disc_acc``/``adv_lambda`` are kept in
``trajectory.json``; with ``--data`` the task probe of each shared.pt is kept in
``probe.json`` (both small, next to the run, so the table can be rebuilt from the records).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import statistics
import sys
from typing import Dict, List, Optional

from fairseq_mtl_tools.markdown import write_table
from fairseq_mtl_tools.runinfo import max_epochs
from fairseq_mtl_tools.stats import (
    paired_t_p,
    seeds_for_half_width,
    signed_rank_p,
    t_interval,
    welch_interval,
)


def trajectory(train_log: str) -> Dict[str, List[float]]:
    """Per epoch: dev adv_acc and avg_acc, train disc_acc and adv_lambda (what was logged)."""
    out = {"dev_adv_acc": [], "dev_avg_acc": [], "train_disc_acc": [], "train_adv_lambda": [],
           "train_adv_acc": []}
    with open(train_log) as f:
        for line in f:
            fields = dict(re.findall(r"\| (\w+) ([-0-9.]+)(?= \||$)", line))
            if "valid on 'valid' subset" in line:
                for key in ("adv_acc", "avg_acc"):
                    if key in fields:
                        out[f"dev_{key}"].append(float(fields[key]))
            elif "| train | epoch" in line:
                for key in ("disc_acc", "adv_lambda", "adv_acc"):
                    if key in fields:
                        out[f"train_{key}"].append(float(fields[key]))
    return out


def load_run(run_dir: str, data: Optional[str]) -> Dict:
    with open(os.path.join(run_dir, "run.json")) as f:
        info = json.load(f)
    with open(os.path.join(run_dir, "eval_test.json")) as f:
        test = json.load(f)
    record = {"seed": info["seed"], "arch": info["arch"], "command": info.get("command", ""),
              "train_seconds": info.get("train_seconds"), "hardware": info.get("hardware"),
              "commit": info.get("commit"), "test_error": round(test["average"]["error"], 2)}
    traj_path = os.path.join(run_dir, "trajectory.json")
    log = os.path.join(run_dir, "train.log")
    if os.path.isfile(log):
        with open(traj_path, "w") as f:
            json.dump(trajectory(log), f)
    if os.path.isfile(traj_path):
        with open(traj_path) as f:
            record["trajectory"] = json.load(f)
    probe_path = os.path.join(run_dir, "probe.json")
    shared = os.path.join(run_dir, "shared.pt")
    if data and os.path.isfile(shared) and not os.path.isfile(probe_path):
        from fairseq_mtl_tools.task_probe import probe_encoder

        result = probe_encoder(shared, data, seed=1)
        with open(probe_path, "w") as f:
            json.dump({k: result[k] for k in ("shared", "word_mean", "chance", "fit", "eval",
                                              "n_fit", "n_eval")}, f)
    if os.path.isfile(probe_path):
        with open(probe_path) as f:
            record["probe"] = json.load(f)
    return record


def _mean_sd(values: List[float], digits: int = 1) -> str:
    if not values:
        return "-"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.{digits}f} ±{sd:.{digits}f}"


def _interval(diffs: List[float]) -> str:
    if len(diffs) < 2:
        return f"{statistics.mean(diffs):+.2f} (one seed: no interval)"
    mean, half = t_interval(diffs)
    return f"{mean:+.2f} [{mean - half:+.2f}, {mean + half:+.2f}]"


def first_within(diffs: List[float], half_width: float) -> Optional[int]:
    """The smallest number of seeds (3 or more, in seed order) at which the 95 % t interval of
    the first that many paired differences is at most ±``half_width``: where a study that
    stops "once the interval is within ±w" stops. None if no prefix gets there."""
    for n in range(3, len(diffs) + 1):
        if t_interval(diffs[:n])[1] <= half_width:
            return n
    return None


def _stop_clause(diffs: List[float], half_width: float) -> str:
    stop = first_within(diffs, half_width)
    if stop is None:
        return f" No number of seeds so far (in seed order) gives ± {half_width}."
    mean, half = t_interval(diffs[:stop])
    return (f" The interval first comes within ± {half_width} at {stop} seeds (in seed order): "
            f"{mean:+.2f} [{mean - half:+.2f}, {mean + half:+.2f}].")


def power_lines(runs: Dict[str, List[Dict]], reference: str, labels: Dict[str, str],
                pairs: Optional[Dict[str, str]] = None, half_width: float = 0.5) -> List[str]:
    """For each configuration with 3 or more seeds paired with its reference: the paired
    differences, their sd, the seeds a ±``half_width`` interval needs at that sd, the checks
    that do not lean on a few large differences (sign count, median, signed-rank test), and
    what the pairing bought (the arms' correlation over seeds, the unpaired Welch interval)."""
    pairs = pairs or {}
    out = []
    for name, records in runs.items():
        own = pairs.get(name, reference)
        ref = {r["seed"]: r for r in runs.get(own, [])}
        if name == own or name in pairs.values() or name == reference:
            continue
        paired = [(r["test_error"], ref[r["seed"]]["test_error"])
                  for r in sorted(records, key=lambda r: r["seed"]) if r["seed"] in ref]
        diffs = [own_error - ref_error for own_error, ref_error in paired]
        if len(diffs) < 3:
            continue
        arm, ref_arm = [p[0] for p in paired], [p[1] for p in paired]
        welch_mean, welch_half = welch_interval(arm, ref_arm)
        mean, half = t_interval(diffs)
        sd = statistics.stdev(diffs)
        lower = sum(d < 0 for d in diffs)
        out.append(f"- {labels.get(name, name)} minus {labels.get(own, own)}, seed by seed: "
                   + ", ".join(f"{d:+.2f}" for d in diffs)
                   + f". {len(diffs)} seeds: {mean:+.2f} ± {half:.2f} (paired t: p = "
                   f"{paired_t_p(diffs):.2f}); sd {sd:.2f}, at which "
                   f"± {half_width} needs {seeds_for_half_width(sd, half_width)} seeds. "
                   f"Lower than its reference on {lower} of {len(diffs)} seeds; median "
                   f"{statistics.median(diffs):+.2f}; Wilcoxon signed-rank p = "
                   f"{signed_rank_p(diffs):.2f} (two-sided). The two arms' test errors "
                   f"correlate r = {statistics.correlation(arm, ref_arm):+.2f} over the seeds; "
                   f"taken as independent samples (Welch): {welch_mean:+.2f} "
                   f"[{welch_mean - welch_half:+.2f}, {welch_mean + welch_half:+.2f}]."
                   + _stop_clause(diffs, half_width))
    return out


def markdown(runs: Dict[str, List[Dict]], reference: str, labels: Dict[str, str],
             pairs: Optional[Dict[str, str]] = None) -> str:
    """The table; each configuration is paired, seed by seed, with ``pairs[name]`` (a reference
    that trains alike but for the adversary: the same data, order and random draws), else with
    ``reference``."""
    pairs = pairs or {}
    references = {reference} | set(pairs.values())
    lines = ["| configuration | seeds | avg test error % | paired vs reference: mean "
             "[95% t interval] | dev adv_acc | train disc_acc | "
             "shared-layer task probe % (chance) | epochs | dev-selected epoch | "
             "train min / run |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, records in runs.items():
        own_reference = pairs.get(name, reference)
        ref = {r["seed"]: r for r in runs.get(own_reference, [])}
        errors = [r["test_error"] for r in records]
        paired = [r["test_error"] - ref[r["seed"]]["test_error"] for r in records
                  if r["seed"] in ref]
        at_best = lambda key: [v for v in (_at_selected(r, key) for r in records)  # noqa: E731
                               if v is not None]
        probes = [r["probe"]["shared"] for r in records if "probe" in r]
        chance = next((r["probe"]["chance"] for r in records if "probe" in r), None)
        epochs, best, wall = _epochs_cells(records)
        lines.append(
            f"| {labels.get(name, name)} | {_seed_list([r['seed'] for r in records])} | "
            f"{_mean_sd(errors, 2)} | "
            f"{_paired_cell(name, references, own_reference, reference, paired, labels)} | "
            f"{_mean_sd(at_best('dev_adv_acc'))} | {_mean_sd(at_best('train_disc_acc'))} | "
            f"{_mean_sd(probes)}{f' ({chance:.1f})' if chance else ''} | {epochs} | {best} | "
            f"{wall} |")
    return "\n".join(lines) + "\n"


def _selected_epoch(record: Dict) -> Optional[int]:
    """The epoch of the dev-selected checkpoint (best dev average; the first of equals), 1-based."""
    dev = record.get("trajectory", {}).get("dev_avg_acc")
    return 1 + max(range(len(dev)), key=dev.__getitem__) if dev else None


def _at_selected(record: Dict, key: str) -> Optional[float]:
    """``key``'s value in the epoch of the dev-selected checkpoint (the model that is scored),
    so that runs of different lengths compare alike; the last epoch's without a dev record."""
    values = record.get("trajectory", {}).get(key)
    if not values:
        return None
    epoch = _selected_epoch(record)
    return values[epoch - 1] if epoch and epoch <= len(values) else values[-1]


def _seed_list(seeds: List[int]) -> str:
    """1, 2, 3, 5 -> '1-3, 5'."""
    parts, start = [], None
    for i, s in enumerate(seeds):
        if start is None:
            start = s
        if i + 1 == len(seeds) or seeds[i + 1] != s + 1:
            parts.append(str(start) if start == s else f"{start}-{s}")
            start = None
    return ", ".join(parts)


def _counted(values: List) -> str:
    """[8, 8, 3] -> '8 x2, 3 x1' in first-seen order; one value -> that value."""
    counts: Dict = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    if len(counts) == 1:
        return f"{values[0]}" if len(values) == 1 else f"{values[0]} (all)"
    return ", ".join(f"{v} x{n}" for v, n in counts.items())


def _epochs_cells(records: List[Dict]) -> tuple:
    """-> (epochs trained, per run; the dev-selected epoch, per run; train minutes per run,
    by number of epochs)."""
    epochs = [max_epochs(r["command"]) or "?" for r in records]  # "?": not in the command
    best = [e for e in (_selected_epoch(r) for r in records) if e]
    by_length: Dict = {}
    for r, e in zip(records, epochs):
        if r.get("train_seconds"):
            by_length.setdefault(e, []).append(r["train_seconds"] / 60)
    if not by_length:
        wall = "-"
    elif len(by_length) == 1:
        wall = f"{statistics.mean(next(iter(by_length.values()))):.0f}"
    else:
        wall = ", ".join(f"{statistics.mean(m):.0f} ({e} ep.)" for e, m in by_length.items())
    known = any(e != "?" for e in epochs)
    return (_counted(epochs) if known else "-"), (_counted(best) if best else "-"), wall


def _paired_cell(name: str, references, own_reference: str, reference: str,
                 paired: List[float], labels: Dict[str, str]) -> str:
    """"reference", or the paired difference (naming its reference when it is not the
    table's main one)."""
    if name in references:
        return "reference"
    if not paired:
        return "-"
    cell = _interval(paired)
    return cell if own_reference == reference else \
        f"{cell} vs {labels.get(own_reference, own_reference)}"


def collect(root: str, data: Optional[str]) -> Dict[str, List[Dict]]:
    runs: Dict[str, List[Dict]] = {}
    for run_json in sorted(glob.glob(os.path.join(root, "*", "seed*", "run.json"))):
        run_dir = os.path.dirname(run_json)
        if not os.path.isfile(os.path.join(run_dir, "eval_test.json")):
            continue
        name = os.path.basename(os.path.dirname(run_dir))
        runs.setdefault(name, []).append(load_run(run_dir, data))
    for records in runs.values():
        records.sort(key=lambda r: r["seed"])
    return runs


def cli_main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fairseq_mtl_tools.adversary_table",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", required=True, help="directory of NAME/seedS/ run dirs")
    parser.add_argument("--reference", required=True, help="the NAME the others pair with")
    parser.add_argument("--pair", action="append", default=[], metavar="NAME=REFERENCE",
                        help="pair NAME with its own reference instead of --reference (repeat)")
    parser.add_argument("--data", help="prepared data: probe each run's shared.pt")
    parser.add_argument("--label", action="append", default=[], help="NAME=text (repeat)")
    parser.add_argument("--order", help="comma-separated NAMEs, the table's row order")
    parser.add_argument("--title", default="ASP-MTL's adversary against a reference: test "
                        "error, what the discriminator sees, what a probe finds")
    parser.add_argument("--preamble", help="a markdown file put under the title")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    runs = collect(args.runs, args.data)
    if args.reference not in runs:
        print(f"adversary_table: error: no finished run of {args.reference!r} under "
              f"{args.runs} (found: {sorted(runs)})", file=sys.stderr)
        return 1
    if args.order:
        order = [n for n in args.order.split(",") if n in runs]
        runs = {n: runs[n] for n in order + [n for n in runs if n not in order]}
    labels = dict(item.partition("=")[::2] for item in args.label)
    pairs = dict(item.partition("=")[::2] for item in args.pair)
    text = f"# {args.title}\n\n" + markdown(runs, args.reference, labels, pairs)
    power = power_lines(runs, args.reference, labels, pairs)
    if power:
        text += ("\n**Power line.** The paired differences (test error, configuration minus "
                 "its reference) and the seeds a 95 % interval of ±0.5 would need at their "
                 "spread; then three checks that a few large differences cannot drive: on how "
                 "many seeds the configuration is lower, the median, and Wilcoxon's "
                 "signed-rank test; last, whether pairing by seed narrowed the interval (the "
                 "arms' correlation, and the interval with the arms taken as independent "
                 "samples):\n\n"
                 + "\n".join(power) + "\n")
    commands = ["", "Commands (the first seed of each; the other seeds differ only in --seed, "
                "the directories and, where the epochs column shows another length, a last "
                "--max-epoch):", ""]
    for name, records in runs.items():
        first = records[0]
        commands.append(f"- {labels.get(name, name)}: commit {first.get('commit')}, "
                        f"{first.get('hardware')}: `{first['command']}`")
    text += "\n".join(commands) + "\n"
    write_table(text, args.out, args.preamble)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump(runs, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
