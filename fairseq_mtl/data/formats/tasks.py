"""A researcher's own tasks: ``fairseq-mtl-prepare tasks --config LIST --out DIR``.

The task list (fairseq_mtl/data/task_list.py) names each task's files and columns; this format
reads them: CSV through Python's csv module (quoted fields with commas, quotes and newlines),
TSV split on TAB only (as GLUE's files, whose text holds quotes), JSON lines by key. Raw text,
tokenised at preparation and at prediction by the same tokenizer (``--tokenizer``, default
PTB-style words, or ``--pretrained DIR``). A task of a registered benchmark (``benchmark:
glue | fdu-mtl``) is read by that benchmark's own reader, so that a user's tasks train beside
GLUE or FDU-MTL tasks in one run.

Labels keep their names: a label set of any size, strings or integers, in the order of
``labels:`` or of first appearance in train. A task without ``dev:`` has a seeded random
``dev_fraction`` (or ``dev_size``) of its training rows held out, and the summary says so.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import random
from collections import Counter
from typing import Dict, List, Optional, Tuple

import numpy as np

from fairseq_mtl.data.formats import register_format
from fairseq_mtl.data.formats.base import BenchmarkFormat, Example, TaskData
from fairseq_mtl.data.formats.glue import SEP
from fairseq_mtl.data.problems import DataError, Problems
from fairseq_mtl.data.task_list import TaskSpec, load_task_list
from fairseq_mtl.data.text import UTF8_BOM, DecodeStats, decode_line, read_lines

csv.field_size_limit(2 ** 31 - 1)  # a long review in one quoted field


@register_format("tasks")
class TaskListFormat(BenchmarkFormat):
    help = "your own tasks, from a task list (YAML or JSON: docs/data.md, 'Your own tasks')"
    benchmark = "tasks"
    raw_dir_help = "(not used: the task list names every file, relative to itself)"
    default_tokenizer = "words"
    unlabeled_splits = ("unlabel",)
    pair_separator = SEP  # as GLUE's, so that a GLUE task prepares alike in either way
    labeled_test = True

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--config", metavar="LIST",
                            help="tasks: the task list, YAML or JSON (required)")

    def read(self, raw_dir, names, problems):
        if not getattr(self.args, "config", None):
            raise ValueError("give the task list: fairseq-mtl-prepare tasks --config LIST.yaml")
        specs = load_task_list(self.args.config)
        if names:
            unknown = sorted(set(names) - {s.name for s in specs})
            if unknown:
                raise ValueError(f"--tasks: {unknown[0]!r} is not in {self.args.config} "
                                 f"({', '.join(s.name for s in specs)})")
            specs = [s for s in specs if s.name in names]
        self.specs = {s.name: s for s in specs}
        self.held_out: Dict[str, str] = {}
        self.sources: Dict[str, str] = {}
        return [self._read_task(spec, problems) for spec in specs]

    def default_raw_dir(self) -> str:
        if not getattr(self.args, "config", None):
            raise ValueError("give the task list: fairseq-mtl-prepare tasks --config LIST.yaml")
        return os.path.dirname(os.path.abspath(self.args.config))

    # --- one task -------------------------------------------------------------------------------
    def _read_task(self, spec: TaskSpec, problems: Problems) -> TaskData:
        if spec.benchmark is not None:
            task = read_benchmark_task(spec, problems)
            self.sources[spec.name] = f"{spec.benchmark} {spec.task}"
            return task
        self.sources[spec.name] = spec.file_format(spec.train)
        task = TaskData(spec.name, (), metric=spec.metric, label_names=dict(spec.label_names))
        rows = {}
        for split, path in (("train", spec.train), ("valid", spec.dev), ("test", spec.test)):
            if path is not None:
                rows[split] = read_rows(spec, path, split, problems, task)
        labels = [] if spec.regression else list(spec.labels or [])
        if not rows["train"]:
            raise DataError(f"{spec.train}: no examples for task {spec.name}'s train split (the "
                            f"file is empty or holds only a header)")
        if not spec.regression and spec.labels is None:
            labels = list(dict.fromkeys(label for _, texts, label in rows["train"]
                                        if all(t.strip() for t in texts)))
            if len(labels) < 2:
                raise DataError(f"{spec.train}: a classification task needs at least 2 labels; "
                                f"its training rows have {len(labels)} ({labels})")
        task.labels = tuple(labels)
        for split, split_rows in rows.items():
            task.splits[split] = to_examples(spec, task, split_rows, split, problems)
        if spec.dev is None:
            task.splits["train"], task.splits["valid"], how = hold_out(spec, task.splits["train"])
            task.files["valid"] = spec.train
            self.held_out[spec.name] = how
        if spec.unlabeled:
            task.splits["unlabel"] = read_unlabeled(spec.unlabeled, problems, task)
        unknown = sorted(set(spec.label_names) - set(task.labels))
        if unknown:
            raise DataError(f"{spec.name}: 'label_names:' names the label {unknown[0]!r}, which "
                            f"the task does not have ({', '.join(task.labels)})")
        return task

    # --- what the manifest and the summary say ------------------------------------------------
    def task_stats(self, task, tokens, dictionary, vector_words):
        train = tokens["train"]
        spec = self.specs[task.name]
        pair = spec.pair if spec.benchmark is None else any(
            len(e.texts) == 2 for e in task.splits["train"])
        stats = {"avg_length": round(float(np.mean([len(t) for t in train])), 1),
                 "pair": pair, "source": self.sources[task.name],
                 "decode_fallback_lines": sum(s.n_fallback for s in task.decode.values())}
        if task.name in self.held_out:
            stats["dev_held_out"] = self.held_out[task.name]
        if not task.regression:
            counts = Counter(e.label for e in task.splits["train"])
            stats["majority_pct"] = round(100.0 * max(counts.values()) / len(train), 2)
        return stats

    def preparation(self, tasks):
        out = {"pair_separator": SEP, "task_list": os.path.abspath(self.args.config)}
        fdu = [s.name for s in self.specs.values() if s.benchmark == "fdu-mtl"]
        if fdu:  # their labeled lines come tokenised (fairseq_mtl/data/formats/fdu_mtl.py)
            from fairseq_mtl.data.formats.fdu_mtl import PRETOKENIZED_RULE

            out["pretokenized"] = f"{PRETOKENIZED_RULE}: {', '.join(fdu)}"
        return out

    def summary(self, manifest, problems):
        lines = ["| task | source | type | train | dev | test | unlabel | avg tokens | skipped |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for e in manifest.tasks:
            kind = ("regression" if e.type == "regression" else
                    f"{len(e.labels)} classes ({', '.join(e.labels[:6])}"
                    f"{', ...' if len(e.labels) > 6 else ''})")
            kind += ", pair" if e.stats["pair"] else ""
            kind += f", {e.metric}" if e.metric not in ("accuracy", "pearson_spearman") else ""
            lines.append(f"| {e.name} | {e.stats['source']} | {kind} | "
                         f"{e.splits.get('train', 0)} | {e.splits.get('valid', 0)} | "
                         f"{e.splits.get('test', '-')} | {e.splits.get('unlabel', '-')} | "
                         f"{e.stats['avg_length']:.1f} | {e.stats['skipped']} |")
        prep = manifest.preparation
        lines += ["", f"dictionary: {prep['dictionary_size']} symbols ({prep['tokenizer']})"]
        lines += [f"{e.name}: dev = {e.stats['dev_held_out']}" for e in manifest.tasks
                  if "dev_held_out" in e.stats]
        if problems.counts:
            lines.append(f"skipped input (--skip-bad-input): {problems.by_kind()}")
            lines += [f"  {m}" for m in problems.examples]
        return "\n".join(lines)


# --- reading files ------------------------------------------------------------------------------
def decode_file(path: str, stats: DecodeStats) -> str:
    """A whole file as text (UTF-8; a file that is not is decoded line by line, as every reader
    does, and counted), a byte-order mark dropped."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    try:
        text = data.decode("utf-8")
        stats.lines += text.count("\n")
        return text
    except UnicodeDecodeError:
        pass
    parts = []
    for raw in data.split(b"\n"):
        line, encoding = decode_line(raw)
        stats.lines += 1
        if encoding != "utf-8":
            stats.fallbacks[encoding] += 1
        parts.append(line)
    return "\n".join(parts)


def read_rows(spec: TaskSpec, path: str, split: str, problems: Problems, task: TaskData
              ) -> List[Tuple[int, List[str], Optional[str]]]:
    """``(line, texts, label)`` of every row of one labeled file; label None when the file
    has no label column (an unlabeled test split) -- only a test file may lack it."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: not found (task {spec.name!r}, {split})")
    stats = DecodeStats()
    task.decode[split] = stats
    task.files[split] = path
    fmt = spec.file_format(path)
    records = (jsonl_records(path, stats) if fmt == "jsonl" else
               table_records(path, stats, fmt, spec.header))
    text_keys, label_key, has_label = None, None, True
    rows = []
    for number, record, columns in records:
        if text_keys is None:  # (a table's columns are its header: line 1)
            at = 1 if fmt != "jsonl" and spec.header else number
            text_keys, label_key, has_label = find_columns(spec, path, at, columns, split)
        if not record:
            problems.report(path, number, "empty_line", "empty line")
            continue
        if isinstance(record, list) and len(record) != len(columns):
            problems.report(path, number, "columns",
                            f"{len(record)} fields, expected {len(columns)} ({_shown(columns)})")
            continue
        wanted = text_keys + ([label_key] if has_label else [])
        missing = [k for k in wanted if isinstance(record, dict) and k not in record]
        if missing:
            problems.report(path, number, "columns", f"no key {missing[0]!r}")
            continue
        texts = [record[k] for k in text_keys]
        label = record[label_key] if has_label else None
        rows.append((number, [_text(v) for v in texts], None if label is None else _text(label)))
    return rows


def _text(value) -> str:
    return "" if value is None else (value if isinstance(value, str) else json.dumps(value)
                                     if isinstance(value, (dict, list)) else str(value))


def find_columns(spec: TaskSpec, path: str, number: int, columns, split: str):
    """The keys of the text column(s) and of the label, from the first record's columns (a
    header, or a JSON line's keys); ``has_label`` False for a test file without the label."""
    wanted = list(spec.text)
    missing = [c for c in wanted if not _has(columns, c)]
    if missing:
        raise DataError(f"{path}:{number}: no column {missing[0]!r} for 'text:' of task "
                        f"{spec.name!r}; the columns are {_shown(columns)}")
    has_label = _has(columns, spec.label)
    if not has_label and split != "test":
        raise DataError(f"{path}:{number}: no column {spec.label!r} for 'label:' of task "
                        f"{spec.name!r}; the columns are {_shown(columns)}")
    return wanted, spec.label, has_label


def _has(columns, key) -> bool:
    if isinstance(key, int):
        return 0 <= key < len(columns)
    return key in columns


def _shown(columns) -> str:
    return ", ".join(repr(c) for c in columns) if columns else "none"


def table_records(path: str, stats: DecodeStats, fmt: str, header: bool):
    """``(line, record, columns)`` of a CSV or TSV file; a record is a dict by header name, or
    the list of fields without a header. A row with another number of fields than the header
    (or the first row) is yielded as its list of fields, an empty line as ``[]``: the caller
    reports both with their line."""
    text = decode_file(path, stats)
    if fmt == "csv":
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = []
        start = 1
        for fields in reader:
            rows.append((start, fields))
            start = reader.line_num + 1
    else:  # TSV: TAB only, no quoting (GLUE's text holds quotes)
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        rows = [(n, line.rstrip("\r").split("\t")) for n, line in enumerate(lines, start=1)]
    if not rows:
        return
    if header:
        (_, names), rows = rows[0], rows[1:]
        names = [n.strip() for n in names]
    else:
        names = list(range(len(rows[0][1])))
    for number, fields in rows:
        if not any(x.strip() for x in fields):
            yield number, [], names  # an empty line: reported as an empty text
            continue
        if len(fields) != len(names):
            yield number, fields, names
            continue
        yield number, (dict(zip(names, fields)) if header else fields), names


def jsonl_records(path: str, stats: DecodeStats):
    for number, line in read_lines(path, stats):
        if not line.strip():
            yield number, {}, []
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{number}: not valid JSON ({e.msg})") from None
        if not isinstance(record, dict):
            raise DataError(f"{path}:{number}: a JSON line must be an object of fields")
        yield number, record, list(record)


def to_examples(spec: TaskSpec, task: TaskData, rows, split: str, problems: Problems
                ) -> List[Example]:
    path = task.files[split]
    examples = []
    known = set(task.labels)
    for number, texts, label in rows:
        if any(not t.strip() for t in texts):
            problems.report(path, number, "empty_text", "empty text")
            continue
        if label is not None:
            label = label.strip()
            if spec.regression:
                value = _score(label)
                if value is None:
                    problems.report(path, number, "bad_score", f"score {label!r} is not a number")
                    continue
                if spec.range and not spec.range[0] <= value <= spec.range[1]:
                    problems.report(path, number, "score_range",
                                    f"score {value:g} outside the task's range "
                                    f"[{spec.range[0]:g}, {spec.range[1]:g}]")
                    continue
                label = repr(value)
            elif label not in known:
                where = ("the task's labels" if spec.labels is not None
                         else "the labels seen in train")
                problems.report(path, number, "bad_label",
                                f"label {label!r} is not one of {where} {list(task.labels)}")
                continue
        examples.append(Example(list(texts), label, number,
                                index=str(len(examples)) if label is None else None))
    return examples


def _score(text: str) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def hold_out(spec: TaskSpec, train: List[Example]) -> Tuple[List[Example], List[Example], str]:
    """A seeded random share (or number) of the training examples as the dev split, each kept
    in file order; a function of (task name, seed, the rows), not of the other tasks."""
    n = len(train)
    size = spec.dev_size if spec.dev_size is not None else max(1, round(n * spec.dev_fraction))
    if size >= n:
        raise DataError(f"{spec.train}: {n} training examples, too few to hold out a dev split "
                        f"of {size} and keep one to train on (give 'dev:' or a smaller "
                        f"'dev_size:'/'dev_fraction:')")
    chosen = set(random.Random(f"dev-{spec.name}-{spec.seed}").sample(range(n), size))
    how = (f"{size} of the {n} training rows, held out at random (seed {spec.seed}; "
           + (f"dev_size {spec.dev_size})" if spec.dev_size is not None
              else f"dev_fraction {spec.dev_fraction:g})"))
    return ([e for i, e in enumerate(train) if i not in chosen],
            [e for i, e in enumerate(train) if i in chosen], how)


def read_unlabeled(path: str, problems: Problems, task: TaskData) -> List[Example]:
    """One text per line, for the task discriminator (empty lines skipped and counted)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: not found (task {task.name!r}, unlabeled)")
    stats = DecodeStats()
    task.decode["unlabel"] = stats
    task.files["unlabel"] = path
    examples = []
    for number, text in read_lines(path, stats):
        if not text.strip():
            problems.report(path, number, "empty_text", "empty text")
            continue
        examples.append(Example([text], None, number))
    return examples


def read_benchmark_task(spec: TaskSpec, problems: Problems) -> TaskData:
    """A task of a registered benchmark, read by that benchmark's reader, under the list's
    name for it."""
    if spec.benchmark == "glue":
        from fairseq_mtl.data.formats.glue import read_glue_task

        task = read_glue_task(spec.dir, spec.task, problems)
    else:
        from fairseq_mtl.data.formats.fdu_mtl import FDU_MTL_LABELS, read_task

        task = read_task(spec.dir, spec.task, problems, dev_size=spec.dev_size or 200,
                         labels=FDU_MTL_LABELS)
    task.name = spec.name
    if spec.label_names:
        task.label_names = dict(spec.label_names)
    return task
