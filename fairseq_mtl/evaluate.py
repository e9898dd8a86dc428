"""``fairseq-mtl-evaluate``: per-task accuracy of a checkpoint on dev or test (markdown + JSON).

    fairseq-mtl-evaluate checkpoints/checkpoint_best.pt --split test [--data data-bin/fdu-mtl]

Writes ``{out}.md`` and ``{out}.json`` (default ``out``: ``<checkpoint dir>/eval_<split>``) with
per-task accuracy, error and size, and the average over tasks (macro, as in the papers' tables).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Dict, List

import torch


@torch.no_grad()
def evaluate(model, task, split: str, batch_size: int = 64, device: str = "cpu") -> Dict:
    task.load_dataset(split)
    dataset = task.dataset(split)
    itr = task.get_batch_iterator(
        dataset, max_sentences=batch_size, disable_iterator_cache=True
    ).next_epoch_itr(shuffle=False)
    correct = {name: 0 for name in task.task_names}
    total = {name: 0 for name in task.task_names}
    for batch in itr:
        if not batch:
            continue
        net_input = {k: (v.to(device) if torch.is_tensor(v) else v)
                     for k, v in batch["net_input"].items()}
        logits = model(**net_input)["logits"]
        name = batch["task"]
        correct[name] += int((logits.argmax(-1).cpu() == batch["target"]).sum())
        total[name] += int(batch["target"].numel())
    rows = []
    for name in task.task_names:
        acc = 100.0 * correct[name] / total[name] if total[name] else float("nan")
        rows.append({"task": name, "n": total[name], "correct": correct[name],
                     "accuracy": round(acc, 2), "error": round(100.0 - acc, 2)})
    avg = sum(r["accuracy"] for r in rows) / len(rows)
    return {"split": split, "tasks": rows,
            "average": {"accuracy": round(avg, 2), "error": round(100.0 - avg, 2)}}


def to_markdown(result: Dict, title: str = "") -> str:
    lines = [f"### {title}", ""] if title else []
    lines += ["| task | n | accuracy % | error % |", "|---|---|---|---|"]
    for r in result["tasks"]:
        lines.append(f"| {r['task']} | {r['n']} | {r['accuracy']:.2f} | {r['error']:.2f} |")
    avg = result["average"]
    lines.append(f"| **average** | | **{avg['accuracy']:.2f}** | **{avg['error']:.2f}** |")
    return "\n".join(lines)


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="a checkpoint written by fairseq-train")
    parser.add_argument("--split", default="test", help="valid (dev) or test (default: test)")
    parser.add_argument("--data", help="prepared data directory (default: the one recorded "
                        "in the checkpoint)")
    parser.add_argument("--user-dir", help="fairseq-mtl's user_dir (default: the project's)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", help="output path without extension "
                        "(default: <checkpoint dir>/eval_<split>)")
    return parser


def cli_main(argv: List[str] = None) -> int:
    args = get_parser().parse_args(argv)
    from fairseq_mtl.checkpoint import load_checkpoint

    started = time.time()
    try:
        model, task, _ = load_checkpoint(args.checkpoint, args.data, args.user_dir, args.device)
        result = evaluate(model, task, args.split, args.batch_size, args.device)
    except (FileNotFoundError, RuntimeError, KeyError, ValueError) as e:
        print(f"fairseq-mtl-evaluate: error: {e}", file=sys.stderr)
        return 1
    result["checkpoint"] = os.path.abspath(args.checkpoint)
    result["seconds"] = round(time.time() - started, 1)
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)),
                                   f"eval_{args.split}")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    markdown = to_markdown(result, f"{os.path.basename(args.checkpoint)} on {args.split}")
    with open(out + ".md", "w") as f:
        f.write(markdown + "\n")
    with open(out + ".json", "w") as f:
        json.dump(result, f, indent=2)
    print(markdown)
    print(f"wrote {out}.md and {out}.json")
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
