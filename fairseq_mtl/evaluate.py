"""``fairseq-mtl-evaluate``: per-task scores of a checkpoint on dev or test (markdown + JSON).

    fairseq-mtl-evaluate checkpoints/checkpoint_best.pt --split test [--data data-bin/fdu-mtl]
    fairseq-mtl-evaluate glue/checkpoint_best.pt --split test --submission glue-submission/
    fairseq-mtl-evaluate run/checkpoint_best.pt --split valid,test   # loads the model once

Writes ``{out}.md`` and ``{out}.json`` (default ``out``: ``<checkpoint dir>/eval_<split>``) with
per-task accuracy, error and size, and the average over tasks (macro, as in the papers' tables);
for GLUE tasks also each task's official metric (CoLA MCC; MRPC/QQP F1; STS-B Pearson and
Spearman), its score and the GLUE-style average (fairseq_mtl/metrics.py). An unlabeled split
(GLUE test) gets no scores; ``--submission DIR`` writes its predictions in GLUE's layout
(``AX.tsv`` from the MNLI head, when the data holds the diagnostic set) and then lists what the
directory lacks of a complete GLUE submission (:func:`check_submission`).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Dict, List, Optional

import torch

from fairseq_mtl.data.batching import length_sorted_chunks, pad_tokens
from fairseq_mtl.logs import configure_command_line
from fairseq_mtl.metrics import get_metric, glue_average
from fairseq_mtl.progress import add_option as add_progress_option
from fairseq_mtl.progress import wanted as progress_wanted


def _batches(dataset, batch_size: int, pad: int):
    """(indices, tokens B x T, lengths) of one task's split, similar lengths together."""
    for idx in length_sorted_chunks(dataset.sizes, batch_size):
        items = [dataset[int(i)] for i in idx]
        tokens, lengths = pad_tokens([t for t, _ in items], pad)
        yield idx, tokens, lengths, [label for _, label in items]


@torch.no_grad()
def predict_split(model, task, name: str, split: str, batch_size: int = 64,
                  device: str = "cpu"):
    """-> (predictions, targets) of one task's split in file order: class ids, or scores for a
    regression task; None when the task has no such split."""
    dataset = task.split_dataset(name, split)
    if dataset is None:
        return None
    k = task.task_names.index(name)
    regression = task.task_entries[k].type == "regression"
    predictions = [None] * len(dataset)
    targets = [None] * len(dataset)
    for idx, tokens, lengths, labels in _batches(dataset, batch_size,
                                                 task.source_dictionary.pad()):
        logits = model(tokens.to(device), lengths.to(device), k)["logits"].float().cpu()
        values = logits.view(-1).tolist() if regression else logits.argmax(-1).tolist()
        for i, v, t in zip(idx, values, labels):
            predictions[int(i)], targets[int(i)] = v, t
    return predictions, targets


def score_task(entry, predictions, targets, digits: Optional[int] = 2) -> Dict:
    """The task's official metrics (fairseq_mtl/metrics.py) on labeled data, rounded to
    ``digits`` (None: exact, for averages that round once, as training's log does)."""
    metric = get_metric(getattr(entry, "metric", "accuracy"))
    values = (predictions, targets) if metric.regression else None
    return metric.scores(metric.counts(predictions, targets), values, digits=digits)


def confusion(entry, predictions, targets) -> Dict:
    """The confusion matrix of a classification task (JSON only): ``matrix[gold][predicted]``
    counts, rows and columns in the order of ``labels`` (the task's label names)."""
    k = len(entry.labels)
    matrix = [[0] * k for _ in range(k)]
    for p, t in zip(predictions, targets):
        matrix[int(t)][int(p)] += 1
    return {"labels": [entry.label_name(label) for label in entry.labels], "matrix": matrix}


def evaluate(model, task, split: str, batch_size: int = 64, device: str = "cpu",
             submission: Optional[str] = None, progress: bool = False) -> Dict:
    """Per-task scores on ``split`` (tasks without the split are left out; MNLI's mismatched dev
    set is the extra row ``MNLI-mm`` of ``valid``). With ``submission``, the predictions of an
    unlabeled split are written as GLUE submission files. ``progress``: a bar over the tasks."""
    from fairseq_mtl.progress import bar

    rows = []
    exact: Dict[str, Dict] = {}  # unrounded scores: the averages round once
    with bar(len(task.task_names), "task", progress, desc=f"evaluate {split}") as tasks_done:
        for k, name in enumerate(task.task_names):
            tasks_done.set_postfix_str(name, refresh=False)
            _evaluate_task(model, task, k, name, split, batch_size, device, submission, rows,
                           exact)
            tasks_done.update()
    scored = [r["task"] for r in rows if "score" in r]
    accuracies = [exact[t]["accuracy"] for t in scored if "accuracy" in exact[t]]
    average = {}
    if accuracies:
        avg = sum(accuracies) / len(accuracies)
        average.update(accuracy=round(avg, 2), error=round(100.0 - avg, 2))
    if scored:
        average["score"] = glue_average({t: exact[t]["score"] for t in scored})
    return {"split": split, "tasks": rows, "average": average}


def _evaluate_task(model, task, k: int, name: str, split: str, batch_size: int, device: str,
                   submission: Optional[str], rows: List[Dict], exact: Dict[str, Dict]) -> None:
    """Task ``k``'s rows of ``split`` (with GLUE's extra rows) into ``rows``; its unrounded
    scores into ``exact``."""
    entry = task.task_entries[k]
    parts = [(name, split)]
    if split in ("valid", "test") and f"{split}_mismatched" in entry.splits:
        parts.append((f"{name}-mm", f"{split}_mismatched"))
    if split == "test" and DIAGNOSTIC_SPLIT in entry.splits:
        parts.append(("AX", DIAGNOSTIC_SPLIT))  # GLUE's diagnostic set, this task's head
    for row_name, row_split in parts:
        result = predict_split(model, task, name, row_split, batch_size, device)
        if result is None:
            continue
        predictions, targets = result
        row = {"task": row_name, "n": len(targets),
               "metric": getattr(entry, "metric", "accuracy")}
        labeled = not (targets and all(t == -1 for t in targets))
        if labeled:
            exact[row_name] = score_task(entry, predictions, targets, digits=None)
            metrics = {key: round(v, 2) if isinstance(v, float) else v
                       for key, v in exact[row_name].items()}
            row.update(metrics)
            if "accuracy" in metrics:
                row["correct"] = sum(int(p == t) for p, t in zip(predictions, targets))
                row["error"] = round(100.0 - exact[row_name]["accuracy"], 2)
                row["confusion"] = confusion(entry, predictions, targets)
        if submission:
            write_submission(submission, entry, row_name, task.cfg.data, row_split,
                             predictions)
        rows.append(row)


# GLUE submission file names (MNLI: matched / mismatched)
SUBMISSION_NAMES = {"MNLI": "MNLI-m", "MNLI-mm": "MNLI-mm"}
#: the split of the MNLI task that holds GLUE's diagnostic set (fairseq_mtl/data/formats/glue.py)
DIAGNOSTIC_SPLIT = "test_ax"
#: every file of a complete GLUE submission, with the rows of GLUE's own test sets
GLUE_SUBMISSION_ROWS = {
    "AX.tsv": 1104, "CoLA.tsv": 1063, "MNLI-m.tsv": 9796, "MNLI-mm.tsv": 9847, "MRPC.tsv": 1725,
    "QNLI.tsv": 5463, "QQP.tsv": 390965, "RTE.tsv": 3000, "SST-2.tsv": 1821, "STS-B.tsv": 1379,
    "WNLI.tsv": 146,
}


def check_submission(directory: str) -> List[str]:
    """What keeps ``directory`` from being a complete GLUE submission: each missing file, a
    file without the ``index<TAB>prediction`` header, and each file whose row count is not
    that of GLUE's test set (expected when the test files were not GLUE's own)."""
    problems = []
    for name, rows in sorted(GLUE_SUBMISSION_ROWS.items()):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            problems.append(f"{name} missing")
            continue
        with open(path) as f:
            lines = f.read().splitlines()
        if not lines or lines[0] != "index\tprediction":
            problems.append(f"{name}: first line is not 'index<TAB>prediction'")
        elif len(lines) - 1 != rows:
            problems.append(f"{name}: {len(lines) - 1} rows, GLUE's test set has {rows}")
    extra = sorted(set(os.listdir(directory)) - set(GLUE_SUBMISSION_ROWS))
    if extra:
        problems.append(f"not part of a GLUE submission: {', '.join(extra)}")
    return problems


def write_submission(directory: str, entry, row_name: str, data: str, split: str,
                     predictions) -> str:
    """``<Task>.tsv`` with ``index<TAB>prediction``: label names as in GLUE's data (0/1,
    entailment/not_entailment, ...), STS-B scores clipped to [0, 5]."""
    os.makedirs(directory, exist_ok=True)
    index_file = os.path.join(data, entry.name, f"{split}.index.txt")
    if os.path.exists(index_file):
        with open(index_file) as f:
            indices = [line.rstrip("\n") for line in f]
    else:
        indices = [str(i) for i in range(len(predictions))]
    path = os.path.join(directory, SUBMISSION_NAMES.get(row_name, row_name) + ".tsv")
    with open(path, "w") as f:
        f.write("index\tprediction\n")
        for index, p in zip(indices, predictions):
            value = (f"{min(5.0, max(0.0, p)):.3f}" if entry.type == "regression"
                     else entry.labels[p])
            f.write(f"{index}\t{value}\n")
    return path


def to_markdown(result: Dict, title: str = "") -> str:
    lines = [f"### {title}", ""] if title else []
    extra = [k for k in ("mcc", "f1", "pearson", "spearman")
             if any(k in r for r in result["tasks"])]
    glue = bool(extra) or any("accuracy" not in r for r in result["tasks"])
    header = ["task", "n", "accuracy %", "error %"] + [f"{k} %" for k in extra]
    header += ["score %"] if glue else []
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def cell(row, key):
        return f"{row[key]:.2f}" if key in row else "-"

    for r in result["tasks"]:
        cells = [r["task"], str(r["n"]), cell(r, "accuracy"), cell(r, "error")]
        cells += [cell(r, k) for k in extra] + ([cell(r, "score")] if glue else [])
        lines.append("| " + " | ".join(cells) + " |")
    avg = result["average"]
    undefined = [r for r in result["tasks"] if "undefined" in r]
    cells = ["**average**", "", f"**{avg['accuracy']:.2f}**" if "accuracy" in avg else "-",
             f"**{avg['error']:.2f}**" if "error" in avg else "-"] + [""] * len(extra)
    cells += [f"**{avg['score']:.2f}** (GLUE-style)" if "score" in avg else "-"] if glue else []
    lines.append("| " + " | ".join(cells) + " |")
    if undefined:
        lines.append("")
        lines += [f"{r['task']}: '-' because {r['undefined']} (not in the average)."
                  for r in undefined]
    return "\n".join(lines)


def nothing_scored(result: Dict, task, split: str, submission: bool) -> Optional[str]:
    """Why an evaluation has nothing to show (no task has the split; an unlabeled split and
    no ``--submission`` to write its predictions to), or None."""
    if not result["tasks"]:
        splits = "; ".join(f"{e.name}: {', '.join(sorted(e.splits)) or 'none'}"
                           for e in task.task_entries)
        return f"no task of this checkpoint has a {split!r} split in {task.data_dir} ({splits})"
    if submission or any("score" in r or "undefined" in r for r in result["tasks"]):
        return None
    return (f"the {split!r} split has no labels (GLUE's test sets): nothing to score; pass "
            f"--submission DIR to write its predictions")


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="a checkpoint written by fairseq-train")
    parser.add_argument("--split", default="test",
                        help="valid (dev) or test (default: test); several, comma-separated "
                        "(valid,test), are scored with the checkpoint loaded once")
    parser.add_argument("--data", help="prepared data directory (default: the one recorded "
                        "in the checkpoint)")
    parser.add_argument("--user-dir", help="fairseq-mtl's user_dir (default: the project's)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--submission", metavar="DIR",
                        help="also write the split's predictions as GLUE submission files "
                        "(<Task>.tsv: index<TAB>prediction; MNLI-m.tsv, MNLI-mm.tsv)")
    parser.add_argument("--out", help="output path without extension (default: "
                        "<checkpoint dir>/eval_<split>); with several splits, a prefix that "
                        "gets _<split>")
    add_progress_option(parser)
    return parser


def cli_main(argv: List[str] = None) -> int:
    args = get_parser().parse_args(argv)
    configure_command_line()
    from fairseq_mtl.checkpoint import load_checkpoint

    splits = [s for s in args.split.split(",") if s]
    if not splits:
        print("fairseq-mtl-evaluate: error: --split names no split", file=sys.stderr)
        return 2
    if "unlabel" in splits:
        print("fairseq-mtl-evaluate: error: --split unlabel is the unlabeled text of the "
              "adversarial loss: it has no labels to score", file=sys.stderr)
        return 2
    started = time.time()
    try:
        model, task, _ = load_checkpoint(args.checkpoint, args.data, args.user_dir, args.device)
    except (FileNotFoundError, RuntimeError, KeyError, ValueError) as e:
        print(f"fairseq-mtl-evaluate: error: {e}", file=sys.stderr)
        return 1
    if getattr(task, "data_dir", "") is None:
        from fairseq_mtl.checkpoint import missing_data_message

        message = missing_data_message(args.checkpoint, task.cfg.data)
        print(f"fairseq-mtl-evaluate: error: {message}", file=sys.stderr)
        return 1
    # the GLUE checks (AX.tsv, the complete set of files) are for checkpoints with GLUE tasks;
    # for other tasks --submission is the directory of the test predictions, one file a task
    glue = any(f"{name}.tsv" in GLUE_SUBMISSION_ROWS or name == "MNLI"
               for name in task.task_names)
    for split in splits:
        no_ax = None
        if args.submission and glue and split == "test" and not any(
                DIAGNOSTIC_SPLIT in entry.splits for entry in task.task_entries):
            no_ax = ("AX.tsv not written: GLUE scores its diagnostic set with an MNLI model's "
                     "predictions, and " + ("this checkpoint has no MNLI task"
                                            if "MNLI" not in task.task_names else
                                            "the data holds no diagnostic set (prepare with "
                                            "diagnostic/diagnostic.tsv in the GLUE directory)"))
        try:
            result = evaluate(model, task, split, args.batch_size, args.device, args.submission,
                              progress=progress_wanted(args.progress))
        except (FileNotFoundError, RuntimeError, KeyError, ValueError) as e:
            print(f"fairseq-mtl-evaluate: error: {e}", file=sys.stderr)
            return 1
        problem = nothing_scored(result, task, split, bool(args.submission))
        if problem:  # say so, and leave any earlier results file alone
            print(f"fairseq-mtl-evaluate: error: {problem}; nothing was written",
                  file=sys.stderr)
            return 1
        result["checkpoint"] = os.path.abspath(args.checkpoint)
        result["seconds"] = round(time.time() - started, 1)
        started = time.time()
        if args.out:
            out = args.out if len(splits) == 1 else f"{args.out}_{split}"
        else:
            out = os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), f"eval_{split}")
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        markdown = to_markdown(result, f"{os.path.basename(args.checkpoint)} on {split}")
        with open(out + ".md", "w") as f:
            f.write(markdown + "\n")
        with open(out + ".json", "w") as f:
            json.dump(result, f, indent=2)
        print(markdown)
        print(f"wrote {out}.md and {out}.json")
        if no_ax:
            print(no_ax)  # after the table it is about
    if args.submission and os.path.isdir(args.submission) and not glue:
        print(f"submission {args.submission}: the predictions of "
              f"{', '.join(n + '.tsv' for n in task.task_names)}")
    elif args.submission and os.path.isdir(args.submission):
        problems = check_submission(args.submission)
        present = sum(os.path.exists(os.path.join(args.submission, n))
                      for n in GLUE_SUBMISSION_ROWS)
        print(f"submission {args.submission}: {present} of the {len(GLUE_SUBMISSION_ROWS)} "
              f"files GLUE expects" + ("" if problems else ", complete"))
        for problem in problems:
            print(f"  {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
