"""FDU-MTL (Liu, Qiu & Huang 2017): ``{task}.task.{train,test,unlabel}`` in one directory.

Labeled files hold ``label<TAB>text`` per line, text already lowercased and tokenised; the
``.unlabel`` files hold raw reviews, which the word tokenizer tokenises in the same style. The
paper's dev set is the last ``--dev-size`` (200) lines of ``.task.train``.
"""
from __future__ import annotations

import os
from collections import Counter
from typing import Dict, List, Sequence

import numpy as np

from fairseq_mtl.data.formats import register_format
from fairseq_mtl.data.formats.base import BenchmarkFormat, Example, TaskData
from fairseq_mtl.data.problems import Problems
from fairseq_mtl.data.text import DecodeStats, read_lines

FDU_MTL_TASKS = (
    "apparel baby books camera_photo dvd electronics health_personal_care imdb "
    "kitchen_housewares magazines MR music software sports_outdoors toys_games video"
).split()
FDU_MTL_LABELS = ("0", "1")
SPLIT_SUFFIX = {"train": "train", "test": "test", "unlabel": "unlabel"}
SPLITS = ("train", "valid", "test", "unlabel")


#: how the labeled FDU-MTL lines become tokens (fairseq_mtl.data.text.whitespace_tokenize)
PRETOKENIZED_RULE = "whitespace, lower-cased (the labeled .task.train/.task.test lines)"


@register_format("fdu-mtl")
class FduMtlFormat(BenchmarkFormat):
    help = "the 16-domain sentiment benchmark"
    benchmark = "fdu-mtl"
    data_dir = "fdu-mtl"
    raw_dir_help = ("directory of {task}.task.{train,test,unlabel} files (default: "
                    "$FAIRSEQ_MTL_DATA/fdu-mtl or ../shared/data/fdu-mtl)")
    default_embeddings = "glove-6b-50d"
    unlabeled_splits = ("unlabel",)

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--dev-size", type=int, default=200,
                            help="dev set = the last N lines of each train file (paper: 200)")
        parser.add_argument("--vocab-include-unlabeled", action="store_true",
                            help="count the unlabeled text when building the dictionary")
        parser.add_argument("--no-unlabeled", action="store_true",
                            help="do not read .unlabel files")

    def read(self, raw_dir, names, problems):
        return [read_task(raw_dir, name, problems, dev_size=self.args.dev_size,
                          labels=FDU_MTL_LABELS, with_unlabeled=not self.args.no_unlabeled)
                for name in (names or discover_tasks(raw_dir))]

    def dictionary_splits(self):
        return ["train"] + (["unlabel"] if self.args.vocab_include_unlabeled else [])

    def task_stats(self, task, tokens, dictionary, vector_words):
        return task_statistics(tokens, vector_words, dictionary, task)

    def preparation(self, tasks):
        return {"dev_size": self.args.dev_size,
                "vocab_include_unlabeled": self.args.vocab_include_unlabeled,
                # the rule of the labeled lines (already tokenised by the benchmark's authors);
                # prediction applies it to text given as pre-tokenised (--pretokenized)
                "pretokenized": PRETOKENIZED_RULE}

    def summary(self, manifest, problems):
        return format_summary(manifest, problems)


def discover_tasks(raw_dir: str) -> List[str]:
    """Task names with a ``{name}.task.train`` file in ``raw_dir``, sorted case-insensitively."""
    if not os.path.isdir(raw_dir):
        raise FileNotFoundError(f"raw data directory not found: {raw_dir}")
    names = [f[: -len(".task.train")] for f in os.listdir(raw_dir) if f.endswith(".task.train")]
    if not names:
        raise FileNotFoundError(f"no '*.task.train' files in {raw_dir}")
    return sorted(names, key=str.lower)


def parse_labeled(
    path: str, labels: Sequence[str], problems: Problems, stats: DecodeStats
) -> List[Example]:
    examples = []
    for number, text in read_lines(path, stats):
        if "\t" not in text:
            problems.report(path, number, "no_tab", "no TAB between label and text")
            continue
        label, sentence = text.split("\t", 1)
        label = label.strip()
        if label not in labels:
            problems.report(
                path, number, "bad_label",
                f"label {label!r} is not one of the task's labels {list(labels)}",
            )
            continue
        if not sentence.split():
            problems.report(path, number, "empty_text", "empty text")
            continue
        examples.append(Example([sentence], label, number, tokenized=True))
    return examples


def parse_unlabeled(path: str, problems: Problems, stats: DecodeStats) -> List[Example]:
    examples = []
    for number, text in read_lines(path, stats):
        if not text.split():  # the word tokenizer only ever splits text further
            problems.report(path, number, "empty_text", "empty text")
            continue
        examples.append(Example([text], None, number))
    return examples


def read_task(
    raw_dir: str,
    name: str,
    problems: Problems,
    dev_size: int = 200,
    labels: Sequence[str] = FDU_MTL_LABELS,
    with_unlabeled: bool = True,
) -> TaskData:
    """Read one task's files into splits ``train``, ``valid`` (last ``dev_size`` lines of the
    train file), ``test`` and ``unlabel``."""
    if dev_size < 1:
        raise ValueError(f"--dev-size {dev_size}: the dev set is the last N lines of each "
                         f".task.train file and needs at least one (paper: 200)")
    task = TaskData(name=name, labels=tuple(labels))
    for split in ("train", "test", "unlabel"):
        if split == "unlabel" and not with_unlabeled:
            continue
        path = os.path.join(raw_dir, f"{name}.task.{SPLIT_SUFFIX[split]}")
        task.files[split] = path
        if not os.path.exists(path):
            if split == "unlabel":
                problems.report(path, None, "missing_file", "missing split file")
                task.splits["unlabel"] = []
                continue
            raise FileNotFoundError(f"{path}: missing split file (task {name!r} needs it)")
        stats = DecodeStats()
        task.decode[split] = stats
        if split == "unlabel":
            task.splits[split] = parse_unlabeled(path, problems, stats)
        else:
            task.splits[split] = parse_labeled(path, labels, problems, stats)
    # dev = the last `dev_size` LINES of the train file (by line number, so that a skipped line
    # never shifts an example from train to dev or back)
    n_lines = task.decode["train"].lines
    first_dev_line = n_lines - dev_size + 1
    if first_dev_line <= 1:
        raise ValueError(
            f"{task.files['train']}: {n_lines} lines, too few for a dev split of {dev_size} "
            f"and a training split of at least one line (choose a smaller --dev-size)"
        )
    train = task.splits["train"]
    task.splits["train"] = [e for e in train if e.line < first_dev_line]
    task.splits["valid"] = [e for e in train if e.line >= first_dev_line]
    return task


def task_statistics(tokens: Dict[str, List[List[str]]], vector_words, dictionary,
                    task: TaskData) -> Dict[str, float]:
    """Length, vocabulary, OOV and duplicate counts of one task (``tokens``: split -> the
    tokens of each example)."""
    train = tokens["train"] + tokens["valid"]
    words = [t for e in train for t in e]
    types = set(words)
    stats: Dict[str, float] = {
        "avg_length": round(float(np.mean([len(e) for e in train])), 1),
        "vocab": len(types),
    }
    if vector_words is not None:
        # OOV rate w.r.t. the pretrained vectors: share of training tokens (and types) without
        # a vector
        stats["oov_tokens_pct"] = round(
            100.0 * sum(t not in vector_words for t in words) / max(len(words), 1), 2
        )
        stats["oov_types_pct"] = round(
            100.0 * sum(t not in vector_words for t in types) / max(len(types), 1), 2
        )
    test_tokens = [t for e in tokens["test"] for t in e]
    stats["test_unk_pct"] = round(
        100.0 * sum(t not in dictionary.indices for t in test_tokens) / max(len(test_tokens), 1),
        2,
    )
    train_texts = Counter(" ".join(e) for e in train)
    stats["dup_within_train"] = sum(n - 1 for n in train_texts.values() if n > 1)
    stats["dup_train_test"] = sum(" ".join(e) in train_texts for e in tokens["test"])
    stats["decode_fallback_lines"] = sum(s.n_fallback for s in task.decode.values())
    return stats


def format_summary(manifest, problems: Problems) -> str:
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


