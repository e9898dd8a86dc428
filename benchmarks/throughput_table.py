"""Steady-state training throughput from the logs of benchmarks/run_all.sh, as a markdown table.

    python benchmarks/throughput_table.py OUT_DIR

OUT_DIR holds ``ARCH.WHICH.REPEAT.log`` (the output of benchmarks/train_throughput.sh: fairseq's
``train_inner`` lines or the plain loop's lines in the same layout) and ``ARCH.WHICH.REPEAT.time``
(``/usr/bin/time -v`` of the same process). Per run, the steady state is every logged interval
but the first (which holds the warm-up: first allocations, lazy initialisation); its throughput
is their sentences (tokens) over their seconds. Per model: medians over the repeats, and the
fairseq/plain ratio taken repeat by repeat (the two ran back to back) and then its median.
"""

import glob
import os
import re
import statistics
import sys
from collections import defaultdict
from typing import Dict, List, Optional

FIELD = re.compile(r"\b(ups|wps|bsz|num_updates)=([0-9.]+)")
NAME = re.compile(r"^(?P<arch>.+)\.(?P<which>fairseq|plain)\.(?P<repeat>\d+)\.log$")


def steady_state(log_path: str) -> Optional[Dict[str, float]]:
    """Sentences/s and tokens/s over a run's logged intervals after the first, together."""
    intervals = []
    with open(log_path, errors="replace") as f:
        for line in f:
            if "train_inner" not in line and not line.startswith("plain_loop |"):
                continue
            fields = dict(FIELD.findall(line))
            if {"ups", "wps", "bsz"} <= fields.keys():
                intervals.append({k: float(v) for k, v in fields.items()})
    steady = intervals[1:]
    if not steady:
        return None
    # each interval's seconds from its update count and rate; the rates over all of them
    # together (interval updates = difference of num_updates; the first steady one: its own)
    updates = [b["num_updates"] - a["num_updates"] for a, b in zip(intervals, steady)]
    seconds = [u / i["ups"] for u, i in zip(updates, steady)]
    sentences = sum(u * i["bsz"] for u, i in zip(updates, steady))
    tokens = sum(s * i["wps"] for s, i in zip(seconds, steady))
    return {"sentences_s": sentences / sum(seconds), "tokens_s": tokens / sum(seconds),
            "intervals": len(steady)}


def time_v(path: str) -> Dict[str, float]:
    """Peak resident memory (MiB) from ``/usr/bin/time -v`` output."""
    out: Dict[str, float] = {}
    if not os.path.exists(path):
        return out
    for line in open(path, errors="replace"):
        line = line.strip()
        if line.startswith("Maximum resident set size (kbytes):"):
            out["peak_mib"] = int(line.rsplit(":", 1)[1]) / 1024
    return out


def collect(out_dir: str):
    runs: Dict[str, Dict[str, Dict[int, dict]]] = defaultdict(lambda: defaultdict(dict))
    for path in sorted(glob.glob(os.path.join(out_dir, "*.log"))):
        m = NAME.match(os.path.basename(path))
        if not m:
            continue
        rate = steady_state(path)
        if rate is None:
            raise SystemExit(f"{path}: no logged interval after the first (a failed run? "
                             "give more updates than two log intervals)")
        rate.update(time_v(path[:-4] + ".time"))
        runs[m["arch"]][m["which"]][int(m["repeat"])] = rate
    return runs


def table(runs) -> str:
    lines = ["| model | fairseq-train sentences/s | plain loop sentences/s | ratio (median of "
             "pairs) | fairseq tokens/s | plain tokens/s | peak RSS fairseq / plain (MiB) "
             "| repeats |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for arch in sorted(runs):
        fs, pl = runs[arch].get("fairseq", {}), runs[arch].get("plain", {})
        pairs = sorted(set(fs) & set(pl))
        if not pairs:
            continue

        def med(side, key) -> float:
            values: List[float] = [side[r][key] for r in pairs if key in side[r]]
            return statistics.median(values) if values else float("nan")

        ratios = [fs[r]["sentences_s"] / pl[r]["sentences_s"] for r in pairs]
        ratio = statistics.median(ratios)
        lines.append(
            f"| {arch} | {med(fs, 'sentences_s'):.1f} | {med(pl, 'sentences_s'):.1f} | "
            f"**{ratio:.3f}** ({min(ratios):.3f}-{max(ratios):.3f}) | {med(fs, 'tokens_s'):,.0f} "
            f"| {med(pl, 'tokens_s'):,.0f} | {med(fs, 'peak_mib'):,.0f} / "
            f"{med(pl, 'peak_mib'):,.0f} | {len(pairs)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.stdout.write(table(collect(sys.argv[1])))
