"""Per-epoch dev scores of a run, read from fairseq's validation lines in its train.log.

    python -m fairseq_mtl_tools.dev_curve RUN_DIR/train.log --out RUN_DIR/dev_curve.json

fairseq-train validates after every epoch and logs one line per validation
(``| valid | epoch 002 | valid on 'valid' subset | ... | STS-B/pearson 86.12 | ...``). This keeps
every ``TASK/metric`` value of each epoch's line (a resumed log has the earlier parts first; an
epoch validated twice keeps its last line) and writes ``{"epochs": {"1": {"STS-B/pearson": ...}}}``.
The results tables show these curves to say WHEN a scheme gains or loses on a task; the
reported scores themselves come from ``fairseq-mtl-evaluate`` (the official metrics).
"""
import argparse
import json
import re
from typing import Dict

VALID_LINE = re.compile(r"\| valid \| epoch (\d+) \| valid on '[^']+' subset \|(.*)$")
TASK_VALUE = re.compile(r"^\s*([^|\s/]+/[a-z0-9_]+) (-?[0-9.]+)\s*$")


def read_curve(train_log: str) -> Dict[int, Dict[str, float]]:
    """epoch -> {"TASK/metric": value} from the validation lines of ``train_log``."""
    curve: Dict[int, Dict[str, float]] = {}
    with open(train_log, errors="replace") as f:
        for line in f:
            m = VALID_LINE.search(line)
            if not m:
                continue
            values = {}
            for field in m.group(2).split("|"):
                pair = TASK_VALUE.match(field)
                if pair and not pair.group(1).endswith(("/loss", "/n")):
                    values[pair.group(1)] = float(pair.group(2))
            curve[int(m.group(1))] = values
    return curve


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("train_log")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    curve = read_curve(args.train_log)
    if not curve:
        raise SystemExit(f"{args.train_log}: no validation lines ('valid on ... subset')")
    with open(args.out, "w") as f:
        json.dump({"epochs": {str(e): v for e, v in sorted(curve.items())}}, f, indent=1)


if __name__ == "__main__":
    main()
