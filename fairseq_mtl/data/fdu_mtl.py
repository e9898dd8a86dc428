"""Reader for the FDU-MTL benchmark (Liu, Qiu & Huang 2017): ``{task}.task.{train,test,unlabel}``.

Labeled files hold ``label<TAB>text`` per line, text already lowercased and tokenised; the
``.unlabel`` files hold raw reviews, which are tokenised here in the same style. The paper's dev
set is the last ``dev_size`` (200) lines of ``.task.train``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from fairseq_mtl.data.problems import Problems
from fairseq_mtl.data.text import DecodeStats, ptb_tokenize, read_lines, whitespace_tokenize

FDU_MTL_TASKS = (
    "apparel baby books camera_photo dvd electronics health_personal_care imdb "
    "kitchen_housewares magazines MR music software sports_outdoors toys_games video"
).split()
FDU_MTL_LABELS = ("0", "1")
SPLIT_SUFFIX = {"train": "train", "test": "test", "unlabel": "unlabel"}


@dataclass
class Example:
    tokens: List[str]
    label: Optional[str]  # None for unlabeled text
    line: int  # 1-based line number in its file, for error messages and provenance


@dataclass
class TaskData:
    name: str
    labels: Tuple[str, ...]
    splits: Dict[str, List[Example]] = field(default_factory=dict)
    decode: Dict[str, DecodeStats] = field(default_factory=dict)
    files: Dict[str, str] = field(default_factory=dict)


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
        tokens = whitespace_tokenize(sentence)
        if not tokens:
            problems.report(path, number, "empty_text", "empty text")
            continue
        examples.append(Example(tokens, label, number))
    return examples


def parse_unlabeled(path: str, problems: Problems, stats: DecodeStats) -> List[Example]:
    examples = []
    for number, text in read_lines(path, stats):
        tokens = ptb_tokenize(text)
        if not tokens:
            problems.report(path, number, "empty_text", "empty text")
            continue
        examples.append(Example(tokens, None, number))
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
    if dev_size <= 0 or first_dev_line <= 1:
        raise ValueError(
            f"{task.files['train']}: {n_lines} lines, too few for a dev split of {dev_size}"
        )
    train = task.splits["train"]
    task.splits["train"] = [e for e in train if e.line < first_dev_line]
    task.splits["valid"] = [e for e in train if e.line >= first_dev_line]
    return task
