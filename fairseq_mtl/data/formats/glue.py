"""Reader for the GLUE benchmark (Wang et al. 2018) in its official TSV layout, all nine tasks.

Every file is read as raw TAB-separated lines (GLUE text contains quotes: no CSV quoting), a
UTF-8 byte-order mark is dropped, and columns are found by header name where the file has a
header. Per task:

========  ==========================================  =================================
task      files (train, dev, test)                    text / label columns
========  ==========================================  =================================
CoLA      train/dev: NO header (source, label, mark,  sentence; label 0/1; test:
          sentence); test: index, sentence             index, sentence
SST-2     sentence, label; test: index, sentence       also the test layout
          (or sentence, label=-1)                      ``sentence<TAB>-1``
MRPC      Quality, #1 ID, #2 ID, #1 String, #2 String  pair; test: index first
STS-B     index ... sentence1, sentence2, score        pair; regression 0-5
QQP       id, qid1, qid2, question1, question2,        pair; test: id, question1,
          is_duplicate                                 question2
MNLI      dev_matched/dev_mismatched,                  sentence1, sentence2,
          test_matched/test_mismatched                 gold_label (3 classes)
QNLI      index, question, sentence, label             pair
RTE       index, sentence1, sentence2, label           pair
WNLI      index, sentence1, sentence2, label           pair; label 0/1
========  ==========================================  =================================

Splits: ``train``, ``valid`` (dev; MNLI: matched) and ``test`` (unlabeled; labels stored as -1),
MNLI also ``valid_mismatched`` and ``test_mismatched``, and ``test_ax``: GLUE's diagnostic set
(``diagnostic/diagnostic.tsv`` in the GLUE directory, no labels), which GLUE scores with the
MNLI model's predictions. Test rows keep their GLUE ``index`` for the submission files. STS-B
scores must lie in [0, 5].
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from fairseq_mtl.data.formats import register_format
from fairseq_mtl.data.formats.base import BenchmarkFormat, Example, TaskData
from fairseq_mtl.data.problems import Problems
from fairseq_mtl.data.text import DecodeStats, read_lines

SEP = "<sep>"

GLUE_TASKS = ("CoLA", "SST-2", "MRPC", "STS-B", "QQP", "MNLI", "QNLI", "RTE", "WNLI")


@dataclass(frozen=True)
class GlueSpec:
    labels: Tuple[str, ...]  # () for regression
    text: Tuple[str, ...]  # header names of the text column(s), train/dev
    label: str  # header name of the label column (train/dev)
    splits: Tuple[Tuple[str, str], ...]  # (split name, file name)
    test_text: Optional[Tuple[str, ...]] = None  # when the test header names differ
    no_header_train: bool = False  # CoLA train/dev
    #: the submission's label names, when GLUE wants other ones than the data's labels
    submit_names: Dict[str, str] = field(default_factory=dict)
    #: the task's official metric (a name of fairseq_mtl.metrics.METRICS)
    metric: str = "accuracy"
    #: the range of a regression score (STS-B: 0-5); a score outside is a bad row
    score_range: Optional[Tuple[float, float]] = None
    #: the split that holds GLUE's diagnostic set (AX) when this task's model scores it
    diagnostic_split: Optional[str] = None
    #: what the labels mean, where they are digits (GLUE's task descriptions)
    label_names: Dict[str, str] = field(default_factory=dict)

    @property
    def regression(self) -> bool:
        return not self.labels

    @property
    def pair(self) -> bool:
        return len(self.text) == 2


_STANDARD = (("train", "train.tsv"), ("valid", "dev.tsv"), ("test", "test.tsv"))
SPECS: Dict[str, GlueSpec] = {
    "CoLA": GlueSpec(("0", "1"), ("sentence",), "label", _STANDARD, no_header_train=True,
                     metric="mcc", label_names={"0": "unacceptable", "1": "acceptable"}),
    "SST-2": GlueSpec(("0", "1"), ("sentence",), "label", _STANDARD,
                      label_names={"0": "negative", "1": "positive"}),
    "MRPC": GlueSpec(("0", "1"), ("#1 String", "#2 String"), "Quality", _STANDARD,
                     metric="f1_acc", label_names={"0": "not_equivalent", "1": "equivalent"}),
    "STS-B": GlueSpec((), ("sentence1", "sentence2"), "score", _STANDARD,
                      metric="pearson_spearman", score_range=(0.0, 5.0)),
    "QQP": GlueSpec(("0", "1"), ("question1", "question2"), "is_duplicate", _STANDARD,
                    metric="f1_acc", label_names={"0": "not_duplicate", "1": "duplicate"}),
    "MNLI": GlueSpec(("contradiction", "entailment", "neutral"), ("sentence1", "sentence2"),
                     "gold_label",
                     (("train", "train.tsv"), ("valid", "dev_matched.tsv"),
                      ("valid_mismatched", "dev_mismatched.tsv"), ("test", "test_matched.tsv"),
                      ("test_mismatched", "test_mismatched.tsv")),
                     diagnostic_split="test_ax"),
    "QNLI": GlueSpec(("entailment", "not_entailment"), ("question", "sentence"), "label",
                     _STANDARD),
    "RTE": GlueSpec(("entailment", "not_entailment"), ("sentence1", "sentence2"), "label",
                    _STANDARD),
    "WNLI": GlueSpec(("0", "1"), ("sentence1", "sentence2"), "label", _STANDARD,
                     label_names={"0": "not_entailment", "1": "entailment"}),
}
# CoLA's train/dev columns (no header): source, label, original mark, sentence
_COLA_COLUMNS = ("source", "label", "mark", "sentence")
#: GLUE's diagnostic set (AX), relative to the GLUE directory: index, sentence1, sentence2; no
#: labels. GLUE scores it with the predictions of the MNLI model (``AX.tsv``).
DIAGNOSTIC_FILE = os.path.join("diagnostic", "diagnostic.tsv")


def _parse_label(spec: GlueSpec, value: str) -> Optional[str]:
    """The normalised label, or None when it is not valid for the task."""
    value = value.strip()
    if spec.regression:
        try:
            score = float(value)
        except ValueError:
            return None
        if score != score or abs(score) == float("inf"):
            return None
        low, high = spec.score_range or (-float("inf"), float("inf"))
        return repr(score) if low <= score <= high else None
    return value if value in spec.labels else None


def read_split(path: str, spec: GlueSpec, split: str, problems: Problems,
               stats: DecodeStats) -> List[Example]:
    test = split.startswith("test")
    rows = read_lines(path, stats)  # (a byte-order mark is dropped there)
    if spec.no_header_train and not test:
        header = list(_COLA_COLUMNS)
        header_line = 0
    else:
        try:
            header_line, first = next(rows)
        except StopIteration:
            raise ValueError(f"{path}: empty file (expected a header line)") from None
        header = first.split("\t")
    text_names = spec.test_text if (test and spec.test_text) else spec.text
    # SST-2 test as some mirrors ship it: sentence<TAB>-1 instead of index<TAB>sentence
    missing = [n for n in text_names if n not in header]
    if missing:
        raise ValueError(f"{path}:{header_line or 1}: no column {missing[0]!r} in "
                         f"{header if header_line else 'the fixed columns'} (expected the "
                         f"official GLUE layout)")
    text_cols = [header.index(n) for n in text_names]
    label_col = header.index(spec.label) if spec.label in header else None
    if not test and label_col is None:
        raise ValueError(f"{path}:{header_line or 1}: no label column {spec.label!r} in "
                         f"{header}")
    index_col = next((header.index(n) for n in ("index", "id") if n in header), None)
    examples = []
    for number, line in rows:
        if not line.strip():
            problems.report(path, number, "empty_line", "empty line")
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            problems.report(path, number, "columns",
                            f"{len(fields)} columns, expected {len(header)} ({header})")
            continue
        texts = [fields[c] for c in text_cols]
        if any(not t.strip() for t in texts):
            problems.report(path, number, "empty_text", "empty text")
            continue
        label = None
        if not test:
            label = _parse_label(spec, fields[label_col])
            if label is None:
                kind = "score" if spec.regression else "label"
                expected = (f"one of {list(spec.labels)}" if not spec.regression
                            else f"a number in [{spec.score_range[0]:g}, "
                                 f"{spec.score_range[1]:g}]" if spec.score_range
                            else "a number")
                problems.report(path, number, f"bad_{kind}",
                                f"bad {kind} {fields[label_col]!r}; expected {expected}")
                continue
        index = fields[index_col] if (test and index_col is not None) else None
        if test and index is None:
            index = str(len(examples))  # a test file without an index column: row order
        examples.append(Example(texts, label, number, index))
    return examples


def read_glue_task(raw_dir: str, name: str, problems: Problems) -> TaskData:
    if name not in SPECS:
        raise ValueError(f"unknown GLUE task {name!r}; known: {', '.join(GLUE_TASKS)}")
    spec = SPECS[name]
    directory = os.path.join(raw_dir, name)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{directory}: no such directory (the GLUE layout has one "
                                f"directory per task)")
    task = TaskData(name, spec.labels, metric=spec.metric, label_names=dict(spec.label_names))
    for split, filename in spec.splits:
        path = os.path.join(directory, filename)
        if not os.path.exists(path):
            if split in ("train", "valid"):
                raise FileNotFoundError(f"{path}: missing ({name} needs {filename})")
            continue  # a test file is optional
        stats = DecodeStats()
        task.splits[split] = read_split(path, spec, split, problems, stats)
        task.decode[split] = stats
        task.files[split] = path
    diagnostic = os.path.join(raw_dir, DIAGNOSTIC_FILE)
    if spec.diagnostic_split and os.path.exists(diagnostic):
        stats = DecodeStats()
        # the diagnostic file has the test layout of a pair task: index, sentence1, sentence2
        task.splits[spec.diagnostic_split] = read_split(
            diagnostic, spec, spec.diagnostic_split, problems, stats)
        task.decode[spec.diagnostic_split] = stats
        task.files[spec.diagnostic_split] = diagnostic
    return task


@register_format("glue")
class GlueFormat(BenchmarkFormat):
    help = "GLUE tasks in the official TSV layout"
    benchmark = "glue"
    data_dir = "glue"
    raw_dir_help = ("the GLUE directory, one sub-directory per task (default: "
                    "$FAIRSEQ_MTL_DATA/glue or ../shared/data/glue)")
    default_tokenizer = "sentencepiece"
    pair_separator = SEP
    labeled_test = False

    def read(self, raw_dir, names, problems):
        names = names or [t for t in GLUE_TASKS if os.path.isdir(os.path.join(raw_dir, t))]
        if not names:
            raise FileNotFoundError(f"no GLUE task directories in {raw_dir}")
        tasks = [read_glue_task(raw_dir, name, problems) for name in names]
        self.diagnostic = diagnostic_status(raw_dir, tasks)
        return tasks

    def task_stats(self, task, tokens, dictionary, vector_words):
        spec = SPECS[task.name]
        train = tokens["train"]
        stats = {
            "avg_length": round(float(np.mean([len(t) for t in train])), 1) if train else 0.0,
            "pair": spec.pair,
            "decode_fallback_lines": sum(s.n_fallback for s in task.decode.values()),
        }
        if not spec.regression and task.splits["train"]:
            label_counts = Counter(e.label for e in task.splits["train"])
            stats["majority_pct"] = round(
                100.0 * max(label_counts.values()) / len(task.splits["train"]), 2)
        return stats

    def preparation(self, tasks):
        return {"pair_separator": SEP, "diagnostic": self.diagnostic}

    def summary(self, manifest, problems):
        lines = ["| task | type | train | dev | test | avg tokens | skipped |",
                 "|---|---|---|---|---|---|---|"]
        for e in manifest.tasks:
            kind = "regression" if e.type == "regression" else f"{len(e.labels)} classes"
            kind += ", pair" if e.stats["pair"] else ""
            lines.append(f"| {e.name} | {kind} | {e.splits.get('train', 0)} | "
                         f"{e.splits.get('valid', 0)} | {e.splits.get('test', 0)} | "
                         f"{e.stats['avg_length']:.1f} | {e.stats['skipped']} |")
        prep = manifest.preparation
        lines += ["", f"diagnostic set (AX): {prep['diagnostic']}",
                  f"dictionary: {prep['dictionary_size']} symbols ({prep['tokenizer']}"
                  + spm_pieces_note(prep) + ")"]
        if problems.counts:
            lines.append(f"skipped input (--skip-bad-input): {problems.by_kind()}")
            lines += [f"  {m}" for m in problems.examples]
        return "\n".join(lines)


def spm_pieces_note(prep) -> str:
    """", N pieces" of a sentencepiece model, and the size asked for when the training text
    was too small to learn that many (``--spm-vocab`` is an upper bound)."""
    pieces, asked = prep.get("spm_pieces"), prep.get("spm_vocab")
    if pieces is None:  # no sentencepiece (or a manifest written before pieces were counted)
        return f", --spm-vocab {asked}" if asked else ""
    if asked and pieces < asked:
        return f", {pieces} pieces; --spm-vocab {asked} asked for more than this text holds"
    return f", {pieces} pieces"


def diagnostic_status(raw_dir: str, tasks: List[TaskData]) -> str:
    """One line on GLUE's diagnostic set: where it was prepared, or why it was not."""
    path = os.path.join(raw_dir, DIAGNOSTIC_FILE)
    for task in tasks:
        split = SPECS[task.name].diagnostic_split
        if split and split in task.splits:
            return (f"{len(task.splits[split])} pairs from {path}, prepared as {task.name}'s "
                    f"split {split!r} (AX.tsv is written from the {task.name} head)")
    if not os.path.exists(path):
        return f"not prepared: no {path} (a submission then lacks AX.tsv)"
    return (f"not prepared: GLUE scores {path} with an MNLI model's predictions and MNLI is "
            f"not among the tasks ({', '.join(t.name for t in tasks)})")
