"""Prediction with a trained model: the Python API and ``fairseq-mtl-predict``.

    from fairseq_mtl import MultiTaskClassifier
    m = MultiTaskClassifier.from_checkpoint("checkpoints/checkpoint_best.pt")
    m.tasks                                   # ['apparel', 'baby', ...]
    m.predict("books", ["a gripping read", "dull and overlong"])

    fairseq-mtl-predict --checkpoint checkpoints/checkpoint_best.pt --task books \\
        < reviews.txt > labels.tsv
    fairseq-mtl-predict --checkpoint ... --input reviews.tsv --format tsv \\
        --output preds.jsonl --probabilities --batch-size 64

Raw text goes through the preprocessing of training: the tokeniser the manifest names (for
FDU-MTL the PTB-style one used for its raw reviews, lower-cased), the checkpoint's dictionary
(unknown words -> <unk>), and truncation to what the model reads (a Transformer's positions, or
the run's ``--truncate-length``). Text that is already tokenised as FDU-MTL's labeled lines are
(``--pretokenized``; ``pretokenized=True``) gets the rule the manifest records for them
(whitespace, lower case), so every prepared line predicts from exactly its training ids. A
checkpoint carries its dictionary and manifest, so no data directory is needed.

Input policy: every input line gets exactly one output row, in input order. An empty line gets
a row without a label (and is counted); a line that is not UTF-8 is decoded as prepare decodes
the corpora (cp1252, then latin-1; counted), or is an error naming file and line with
``--strict-utf8``. Over-long texts are cut and counted, with one message. Rows are written and
flushed batch by batch: an interruption keeps every finished row.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, Iterable, Iterator, List, Optional, Sequence, TextIO, Tuple

import torch

from fairseq_mtl.data.batching import pad_tokens
from fairseq_mtl.data.dataset import keep_end
from fairseq_mtl.data.text import decode_line
from fairseq_mtl.data.tokenizers import raw_text_layout, raw_text_tokenizer
from fairseq_mtl.logs import configure_command_line
from fairseq_mtl.progress import add_option as add_progress_option
from fairseq_mtl.progress import wanted as progress_wanted

CHUNK = 4096  # lines read, sorted by length and predicted together


@dataclass
class Prediction:
    """One text's prediction: ``label`` (the benchmark's own value, as in its files), ``name``
    (what the label means: the manifest's label name, else the label) and ``probabilities``
    (per label) for a classification task, or ``score`` (regression); ``label``/``score`` are
    None for an empty text (``note`` says so)."""

    label: Optional[str] = None
    name: Optional[str] = None
    probabilities: Optional[Dict[str, float]] = None
    score: Optional[float] = None
    truncated: bool = False
    note: str = ""


@dataclass
class InputStats:
    """What the input needed; reported once at the end (and by the API on request)."""

    texts: int = 0
    empty: int = 0
    truncated: int = 0
    decoded_fallback: int = 0
    first_empty: Optional[int] = None
    first_truncated: Optional[int] = None
    first_fallback: Optional[int] = None
    tabs: int = 0  # lines of a single-text task holding a TAB (read as part of the text)
    first_tab: Optional[int] = None

    def messages(self, max_words: Optional[int]) -> List[str]:
        out = []
        if self.empty:
            out.append(f"{self.empty} empty text(s) got no prediction (first: line "
                       f"{self.first_empty})")
        if self.truncated:
            out.append(f"{self.truncated} text(s) longer than {max_words} tokens were cut to "
                       f"{max_words}, the most the model reads (first: line "
                       f"{self.first_truncated})")
        if self.tabs:
            out.append(f"{self.tabs} line(s) held a TAB, read as part of the one text this task "
                       f"takes (first: line {self.first_tab}); a TSV file needs --format tsv")
        if self.decoded_fallback:
            out.append(f"{self.decoded_fallback} line(s) were not UTF-8 and were decoded as "
                       f"cp1252/latin-1 (first: line {self.first_fallback}); --strict-utf8 "
                       f"makes that an error")
        return out


class MultiTaskClassifier:
    """A trained fairseq-mtl model, ready to label raw text for any of its tasks."""

    def __init__(self, model, task, device: str = "cpu", pretokenized: bool = False):
        self.model = model.eval()
        self.task = task
        self.device = torch.device(device)
        self.dictionary = task.source_dictionary
        #: texts are given tokenised as the benchmark's labeled lines were (FDU-MTL), not raw
        self.pretokenized = pretokenized
        self._tokenize = raw_text_tokenizer(task.manifest.preparation, task.tokenizer_files,
                                            pretokenized)
        self.layout = raw_text_layout(task.manifest.preparation)
        self._entries = {e.name: e for e in task.task_entries}

    @classmethod
    def from_checkpoint(cls, path: str, data: Optional[str] = None, device: Optional[str] = None,
                        user_dir: Optional[str] = None, pretokenized: bool = False
                        ) -> "MultiTaskClassifier":
        """Load a checkpoint written by ``fairseq-train``; ``data`` (optional) is a prepared
        data directory whose dictionary must be the checkpoint's; ``pretokenized``: the texts
        will be given tokenised as the benchmark's labeled lines are (FDU-MTL's files)."""
        from fairseq_mtl.checkpoint import load_checkpoint

        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        model, task, _ = load_checkpoint(path, data, user_dir, device)
        return cls(model, task, device, pretokenized)

    # --- what the model knows -----------------------------------------------------------------
    @property
    def tasks(self) -> List[str]:
        return list(self.task.task_names)

    def check_task(self, name: str) -> None:
        if name not in self._entries:
            raise KeyError(f"unknown task {name!r}; this model's tasks: {', '.join(self.tasks)}")

    def labels(self, task: str) -> List[str]:
        self.check_task(task)
        return list(self._entries[task].labels)

    def label_names(self, task: str) -> List[str]:
        """What the labels mean, in the order of :meth:`labels`."""
        self.check_task(task)
        return [self._entries[task].label_name(label) for label in self._entries[task].labels]

    def is_regression(self, task: str) -> bool:
        self.check_task(task)
        return self._entries[task].type == "regression"

    def is_pair(self, task: str) -> bool:
        """Whether the task reads a sentence pair (give a tuple of two texts)."""
        self.check_task(task)
        return self._entries[task].pair

    def check_input(self, task: str, text) -> Optional[str]:
        """Why ``text`` is not an input of ``task`` (a single text for a pair task, or a pair
        for a single-text task), or None."""
        given_pair = isinstance(text, (tuple, list))
        if self.is_pair(task) and not (given_pair and len(text) == 2):
            return (f"task {task!r} reads a sentence pair: give two texts (a tuple (A, B); on "
                    f"the command line A<TAB>B, or two --text-column names)")
        if given_pair and not self.is_pair(task):
            return f"task {task!r} reads one text, not a pair"
        return None

    @property
    def max_words(self) -> Optional[int]:
        """The most tokens the model reads (None: any length)."""
        return self.task.truncate_length

    # --- encoding -----------------------------------------------------------------------------
    def tokenize(self, text: str) -> List[str]:
        return self._tokenize(text)

    def encode(self, text) -> Tuple[List[int], bool]:
        """Token ids of a raw text (or of a sentence pair, given as a tuple of two texts),
        laid out as in preparation (``A <sep> B``; for a pretrained model ``A [SEP] B [SEP]``,
        cut as preparation cut), and whether it was cut. An empty text (or pair half) gives no
        ids."""
        unk = self.dictionary.unk()
        texts = list(text) if isinstance(text, (tuple, list)) else [text]
        parts = [self._tokenize(t) for t in texts]
        if not all(parts):
            return [], False
        tokens, cut = self.layout(parts)
        ids = [self.dictionary.indices.get(t, unk) for t in tokens]
        limit = self.max_words
        if limit is not None and len(ids) > limit:
            return keep_end(ids, limit, len(self.layout.end)), True
        return ids, cut

    # --- prediction ---------------------------------------------------------------------------
    def __call__(self, inputs, task=None, batch_size: int = 64):
        """Predict in the manner of a Hugging Face pipeline.

        ``inputs``: one text, one sentence pair (a tuple of two texts), or a list of them;
        ``task``: a task name for all of them, a list with one task per input, or None when
        the model has one task. Returns for each input ``{"task", "label", "score"}`` (the
        label's name and its probability) for a classification task, ``{"task", "score"}``
        for a regression task, plus ``"truncated": True`` when the text was cut and ``"note"``
        for an empty one; a dict for one input, a list for a list::

            clf("a gripping book", task="books")
            # {'task': 'books', 'label': 'positive', 'score': 0.97}
            clf([("A man plays.", "Someone plays.")] * 2, task=["RTE", "MRPC"])
        """
        single = isinstance(inputs, (str, tuple))
        items = [inputs] if single else list(inputs)
        if task is None:
            if len(self.tasks) != 1:
                raise ValueError(f"give task=...: this model has {len(self.tasks)} tasks "
                                 f"({', '.join(self.tasks)})")
            task = self.tasks[0]
        tasks = [task] * len(items) if isinstance(task, str) else list(task)
        if len(tasks) != len(items):
            raise ValueError(f"{len(tasks)} tasks for {len(items)} inputs: give one task, or "
                             "one per input")
        out = [self._as_dict(t, p) for t, p in zip(
            tasks, self.predict_iter(zip(tasks, items), batch_size))]
        return out[0] if single else out

    @staticmethod
    def _as_dict(task: str, p: Prediction) -> Dict:
        if p.score is not None:
            record = {"task": task, "score": p.score}
        elif p.label is None:
            record = {"task": task, "label": None, "score": None}
        else:
            record = {"task": task, "label": p.name,
                      "score": p.probabilities[p.label]}
        if p.truncated:
            record["truncated"] = True
        if p.note:
            record["note"] = p.note
        return record

    def predict(self, task: str, texts: Sequence[str], batch_size: int = 64,
                progress: bool = False) -> List[Prediction]:
        """Predictions for ``texts`` (in order) on ``task``."""
        if isinstance(texts, (str, tuple)):
            raise TypeError("predict() takes a list of texts (or pairs); for one text call "
                            "the classifier itself: clf(text, task=...)")
        return list(self.predict_iter(((task, t) for t in texts), batch_size,
                                      total=len(texts) if progress else None,
                                      progress=progress))

    def predict_iter(self, items: Iterable[Tuple[str, str]], batch_size: int = 64,
                     stats: Optional[InputStats] = None, total: Optional[int] = None,
                     progress: bool = False, line_numbers: Optional[Iterable[int]] = None
                     ) -> Iterator[Prediction]:
        """Lazily predict ``(task, text)`` pairs, in order, ``CHUNK`` at a time (each chunk is
        sorted by length so that batches hold similar lengths)."""
        from fairseq_mtl.progress import bar as progress_bar

        if batch_size < 1:
            raise ValueError(f"batch size must be >= 1, got {batch_size}")
        stats = stats if stats is not None else InputStats()
        numbers = iter(line_numbers) if line_numbers is not None else None
        bar = progress_bar(total, "text", progress)
        chunk: List[Tuple[int, str, str]] = []
        try:
            for index, (task, text) in enumerate(items, start=1):
                self.check_task(task)
                number = next(numbers) if numbers is not None else index
                chunk.append((number, task, text))
                if len(chunk) == CHUNK:
                    yield from self._predict_chunk(chunk, batch_size, stats)
                    bar.update(len(chunk))
                    chunk = []
            if chunk:
                yield from self._predict_chunk(chunk, batch_size, stats)
                bar.update(len(chunk))
        finally:
            bar.close()

    @torch.no_grad()
    def _predict_chunk(self, chunk, batch_size: int, stats: InputStats) -> List[Prediction]:
        results: List[Optional[Prediction]] = [None] * len(chunk)
        encoded = []
        for i, (number, task, text) in enumerate(chunk):
            problem = self.check_input(task, text) if text != "" else None
            if problem:
                raise ValueError(f"input {number}: {problem}")
            stats.texts += 1
            ids, cut = self.encode(text)
            if not ids:
                stats.empty += 1
                stats.first_empty = stats.first_empty or number
                results[i] = Prediction(note="empty text")
                continue
            if cut:
                stats.truncated += 1
                stats.first_truncated = stats.first_truncated or number
            encoded.append((task, len(ids), i, ids, cut))
        # one task per batch (the model's heads are per task), similar lengths together
        encoded.sort(key=lambda e: (e[0], e[1]))
        start = 0
        while start < len(encoded):
            task = encoded[start][0]
            end = start
            while end < len(encoded) and end - start < batch_size and encoded[end][0] == task:
                end += 1
            batch = encoded[start:end]
            for (_, _, i, _, cut), prediction in zip(batch, self._predict_batch(task, batch)):
                prediction.truncated = cut
                results[i] = prediction
            start = end
        return results

    def _predict_batch(self, task: str, batch) -> List[Prediction]:
        tokens, lengths = pad_tokens([e[3] for e in batch], self.dictionary.pad())
        task_id = self.task.task_names.index(task)
        logits = self.model(tokens.to(self.device), lengths.to(self.device), task_id)["logits"]
        logits = logits.float().cpu()
        if self.is_regression(task):
            return [Prediction(score=float(v)) for v in logits.view(-1)]
        entry = self._entries[task]
        labels = entry.labels
        probs = torch.softmax(logits, dim=-1)
        best = probs.argmax(-1)
        return [Prediction(label=labels[int(b)], name=entry.label_name(labels[int(b)]),
                           probabilities={label: round(float(p), 6)
                                          for label, p in zip(labels, row)})
                for b, row in zip(best, probs)]


# --- command line -----------------------------------------------------------------------------
def read_input(path: Optional[str], strict: bool, stats: InputStats) -> Iterator[Tuple[int, str]]:
    """``(line number, text)`` of a file or stdin, decoded line by line (see module doc)."""
    name = path or "<stdin>"
    stream = open(path, "rb") if path else sys.stdin.buffer
    try:
        for number, raw in enumerate(stream, start=1):
            raw = raw.rstrip(b"\n")
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                if strict:
                    raise ValueError(f"{name}:{number}: not valid UTF-8 ({e.reason} at byte "
                                     f"{e.start})") from None
                text, _ = decode_line(raw)
                stats.decoded_fallback += 1
                stats.first_fallback = stats.first_fallback or number
            yield number, text
    finally:
        if path:
            stream.close()


def text_rows(lines: Iterator[Tuple[int, str]], name: str, task: str, model,
              stats: Optional["InputStats"] = None
              ) -> Iterator[Tuple[int, str, object, Dict[str, str]]]:
    """``(line, task, text, row)`` of plain text input: one text per line, or, for a task that
    reads a sentence pair, the two texts of a line separated by exactly one TAB (an empty line
    is an empty text, with a row of its own)."""
    pair = task in model.tasks and model.is_pair(task)
    for number, line in lines:
        if not pair or not line.strip():
            if "\t" in line and stats is not None:
                stats.tabs += 1
                stats.first_tab = stats.first_tab or number
            yield number, task, line, {}
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise ValueError(f"{name}:{number}: task {task!r} reads a sentence pair: give the "
                             f"two texts separated by one TAB (this line has "
                             f"{len(parts) - 1} TABs)")
        yield number, task, tuple(parts), {}


def tsv_rows(lines: Iterator[Tuple[int, str]], name: str, text_column: str,
             task_column: Optional[str], default_task: Optional[str]
             ) -> Iterator[Tuple[int, str, str, Dict[str, str]]]:
    """``(line, task, text, row)`` of a TSV file with a header line; ``text_column`` may name
    two columns, ``A,B``: the text is then the pair (A, B)."""
    try:
        _, header_line = next(lines)
    except StopIteration:
        return
    header = header_line.lstrip("\ufeff").split("\t")
    columns = text_column.split(",")
    for column in columns:
        if column not in header:
            raise ValueError(f"{name}:1: no column {column!r} in the header {header} "
                             f"(choose with --text-column)")
    if task_column and task_column not in header:
        raise ValueError(f"{name}:1: no column {task_column!r} in the header {header}")
    for number, line in lines:
        if not line.strip():
            yield number, default_task, "", {}
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise ValueError(f"{name}:{number}: {len(fields)} columns, the header has "
                             f"{len(header)}")
        row = dict(zip(header, fields))
        task = row[task_column] if task_column else default_task
        text = row[columns[0]] if len(columns) == 1 else tuple(row[c] for c in columns)
        yield number, task, text, row


class Writer:
    """Writes rows as TSV (``line, task, label`` [+ one probability column per label]) or JSON
    lines, flushing after every batch."""

    def __init__(self, out: TextIO, fmt: str, probabilities: bool, labels: List[str]):
        self.out, self.fmt, self.probabilities, self.labels = out, fmt, probabilities, labels
        if fmt == "tsv":
            columns = ["line", "task", "label"]
            if probabilities:
                columns += [f"p_{label}" for label in labels]
            self.out.write("\t".join(columns) + "\n")

    def write(self, number: int, task: str, p: Prediction, row: Dict[str, str]) -> None:
        value = p.name if p.score is None else f"{p.score:.6g}"
        if self.fmt == "jsonl":
            record = {"line": number, "task": task}
            record.update({k: v for k, v in row.items() if k not in record})
            record["label"] = value
            if p.score is None and p.label is not None and p.label != p.name:
                record["label_id"] = p.label
            if self.probabilities:
                record["probabilities"] = p.probabilities
            if p.truncated:
                record["truncated"] = True
            if p.note:
                record["note"] = p.note
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
            return
        cells = [str(number), task, value or ""]
        if self.probabilities:
            probs = p.probabilities or {}
            cells += [f"{probs[label]:.6f}" if label in probs else "" for label in self.labels]
        self.out.write("\t".join(cells) + "\n")

    def flush(self) -> None:
        self.out.flush()


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-predict", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="checkpoint written by fairseq-train")
    parser.add_argument("--task", help="the task to predict for (every line); with --format "
                        "tsv and --task-column, the default for rows without a task")
    parser.add_argument("--list-tasks", action="store_true",
                        help="print the checkpoint's tasks and their labels, then exit")
    parser.add_argument("--input", help="input file (default: stdin)")
    parser.add_argument("--format", choices=["text", "tsv"], default="text",
                        help="text: one text per line; tsv: a header line, the text in "
                        "--text-column, other columns copied to JSON-lines output")
    parser.add_argument("--text-column", default="text",
                        help="tsv: the text column, or two for a sentence pair "
                        "(e.g. sentence1,sentence2: laid out as in preparation, 'A <sep> B' or "
                        "a pretrained model's 'A [SEP] B [SEP]')")
    parser.add_argument("--task-column", help="tsv column naming each row's task")
    parser.add_argument("--output", help="output file (default: stdout); .jsonl -> JSON lines")
    parser.add_argument("--output-format", choices=["tsv", "jsonl"],
                        help="default: jsonl for a .jsonl/.json output, otherwise tsv")
    parser.add_argument("--probabilities", action="store_true",
                        help="also write each label's probability")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", help="prepared data directory (default: the checkpoint's own "
                        "dictionary and manifest)")
    parser.add_argument("--user-dir", help="fairseq-mtl's user_dir (default: the project's)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if present)")
    parser.add_argument("--pretokenized", action="store_true",
                        help="the input is tokenised as the benchmark's labeled lines are "
                        "(FDU-MTL's files: split on spaces, lower-cased), not raw text; "
                        "default: raw text, tokenised as preparation tokenised raw text")
    parser.add_argument("--strict-utf8", action="store_true",
                        help="a line that is not UTF-8 is an error (default: decode as "
                        "cp1252/latin-1 and count, as fairseq-mtl-prepare does)")
    add_progress_option(parser)
    return parser


def _count_lines(path: Optional[str]) -> Optional[int]:
    if not path:
        return None
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def cli_main(argv: Optional[List[str]] = None) -> int:
    args = get_parser().parse_args(argv)
    configure_command_line()
    prog = "fairseq-mtl-predict"

    def fail(message: str) -> int:
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 1

    if args.input and not os.path.isfile(args.input):
        return fail(f"input not found: {args.input}")
    try:
        model = MultiTaskClassifier.from_checkpoint(args.checkpoint, args.data, args.device,
                                                    args.user_dir, args.pretokenized)
    except (FileNotFoundError, RuntimeError, KeyError, ValueError) as e:
        return fail(str(e))
    if args.list_tasks:
        for name in model.tasks:
            kind = "regression" if model.is_regression(name) else ", ".join(
                label if label == shown else f"{label} ({shown})"
                for label, shown in zip(model.labels(name), model.label_names(name)))
            print(f"{name}\t{kind}")
        return 0
    if not args.task and not args.task_column:
        return fail(f"give --task (one of: {', '.join(model.tasks)})")
    try:
        if args.task:
            model.check_task(args.task)
    except KeyError as e:
        return fail(e.args[0])

    fmt = args.output_format or (
        "jsonl" if args.output and args.output.endswith((".jsonl", ".json")) else "tsv")
    label_union: List[str] = []
    for name in ([args.task] if args.task and not args.task_column else model.tasks):
        for label in ([] if model.is_regression(name) else model.labels(name)):
            if label not in label_union:
                label_union.append(label)

    stats = InputStats()
    name = args.input or "<stdin>"
    lines = read_input(args.input, args.strict_utf8, stats)
    if args.format == "tsv":
        if args.task and not args.task_column:
            columns = args.text_column.split(",")
            if model.is_pair(args.task) != (len(columns) == 2):
                return fail(f"task {args.task!r} reads " + (
                    f"a sentence pair: name its two columns, --text-column A,B (given: "
                    f"{args.text_column!r})" if model.is_pair(args.task) else
                    f"one text: name one column, --text-column (given: {args.text_column!r})"))
        rows = tsv_rows(lines, name, args.text_column, args.task_column, args.task)
    else:
        rows = text_rows(lines, name, args.task, model, stats)

    pending: Deque[Tuple[int, str, Dict[str, str]]] = deque()
    problem: List[str] = []  # a bad row ends the input there; the rows before it are predicted

    def items():
        try:
            for number, task, text, row in rows:
                if task is None or task == "":
                    raise ValueError(f"{name}:{number}: no task for this row (empty "
                                     f"{args.task_column!r} and no --task)")
                if task not in model.tasks:
                    raise ValueError(f"{name}:{number}: unknown task {task!r}; this model's "
                                     f"tasks: {', '.join(model.tasks)}")
                mismatch = model.check_input(task, text) if text != "" else None
                if mismatch:
                    raise ValueError(f"{name}:{number}: {mismatch}")
                pending.append((number, task, row))
                yield task, text
        except ValueError as e:
            problem.append(str(e))

    # the file line of the item being predicted (read when predict_iter takes it, which is
    # right after items() has put it into pending): messages name file lines, not item counts
    line_numbers = (pending[-1][0] for _ in iter(int, 1))
    show = progress_wanted(args.progress)
    total = _count_lines(args.input) if show else None
    if args.output and os.path.dirname(args.output):
        os.makedirs(os.path.dirname(args.output), exist_ok=True)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    started = time.time()
    written = 0
    try:
        writer = Writer(out, fmt, args.probabilities, label_union)
        for prediction in model.predict_iter(items(), args.batch_size, stats, total=total,
                                             progress=show, line_numbers=line_numbers):
            number, task, row = pending.popleft()
            writer.write(number, task, prediction, row)
            written += 1
            if written % args.batch_size == 0 or not pending:
                writer.flush()
    finally:
        if args.output:
            out.close()
        else:
            out.flush()
    if problem:
        before = "the 1 row before it was" if written == 1 else f"the {written} rows before it were"
        return fail(f"{problem[0]} ({before} written)")
    seconds = time.time() - started
    for message in stats.messages(model.max_words):
        print(f"{prog}: {message}", file=sys.stderr)
    rate = written / seconds if seconds > 0 else math.inf
    predicted = written - stats.empty
    if predicted == 0:  # nothing was scored: not a success
        return fail(f"no text to predict in {name}" + (
            f": its {written} line(s) were all empty" if written else ": it has no lines"))
    rows = f" ({written} rows)" if predicted != written else ""
    print(f"{prog}: {predicted} predictions{rows} in {seconds:.1f}s ({rate:.0f} rows/s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
