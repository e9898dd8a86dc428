"""Serve a model exported by ``fairseq-mtl-export``: onnxruntime and numpy only (plus the
``tokenizers`` package for a BERT-family vocabulary, ``sentencepiece`` for a sentencepiece one);
no fairseq, no torch. This file is copied into every export directory, beside the files it reads.

    import sys; sys.path.insert(0, "exported")
    from serve import load
    clf = load("exported")
    clf.tasks                                    # ['apparel', 'baby', ...]
    clf("a gripping read", task="books")   # {"task": "books", "label": "positive", "score": 0.97}
    clf(("A man plays.", "Someone plays."), task="RTE")   # a sentence pair: a tuple
    clf.predict("books", texts, batch_size=32)   # one dict per text, with every probability

    python exported/serve.py --task books < reviews.txt > labels.tsv
    python exported/serve.py --task RTE --probabilities < pairs.tsv   # A<TAB>B per line

Text goes through the preprocessing of training, as ``fairseq-mtl-predict`` does it: the
tokenizer preparation used (its files are in the directory), the dictionary (unknown tokens ->
<unk>), the pair layout (``A <sep> B``, or a pretrained model's ``A [SEP] B [SEP]``) and the cut
to what the model reads. Each task is its own ONNX graph (``model/taskNN.onnx``); the weights
are stored once, in ``model/weights.bin``, whichever graphs read them. A task's graph is loaded
the first time the task is asked for.

The command line writes one row per input line, in order (``line, task, label`` and, with
``--probabilities``, one column per label): an empty line gets a row without a label, and a
line that a pair task cannot split into two texts at its one TAB is an error naming the line.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CHUNK = 4096  # lines read, sorted by length and predicted together


def _sibling(directory: str, module: str):
    """A module file that the export copied beside this one (the project's own text and
    layout code, so that tokens are made exactly as in training)."""
    path = os.path.join(directory, module + ".py")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{directory}: no {module}.py; not a fairseq-mtl-export directory")
    spec = importlib.util.spec_from_file_location(f"fairseq_mtl_export_{module}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # (dataclasses look their module up there)
    spec.loader.exec_module(mod)
    return mod


def _tokenizer(directory: str, spec: dict, pretokenized: bool, text_module):
    """text -> tokens, as preparation tokenised raw text."""
    name = spec["name"]
    if pretokenized:
        if name != "words":
            raise ValueError(f"this model's training text was tokenised by {name!r}: give raw "
                             "text, without pretokenized")
        return text_module.whitespace_tokenize
    if name == "words":
        return text_module.ptb_tokenize
    if name == "sentencepiece":
        import sentencepiece

        processor = sentencepiece.SentencePieceProcessor(
            model_file=os.path.join(directory, spec["files"][0]))
        return lambda text: processor.encode(text, out_type=str)
    if name == "wordpiece":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(os.path.join(directory, spec["files"][0]))
        tok.no_truncation()
        tok.no_padding()
        return lambda text: tok.encode(text, add_special_tokens=False).tokens
    raise ValueError(f"unknown tokenizer {name!r} in export.json")


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class ExportedClassifier:
    """An exported fairseq-mtl model: ``clf(text, task=...)`` as a Hugging Face pipeline,
    ``clf.predict(task, texts)`` for every probability."""

    def __init__(self, directory: str, threads: Optional[int] = None,
                 pretokenized: bool = False):
        self.directory = os.path.abspath(directory)
        with open(os.path.join(self.directory, "export.json"), encoding="utf-8") as f:
            self.meta = json.load(f)
        with open(os.path.join(self.directory, self.meta["vocabulary"]), encoding="utf-8") as f:
            symbols = json.load(f)
        self.index = {s: i for i, s in enumerate(symbols)}
        self.pad, self.unk = self.meta["pad"], self.meta["unk"]
        self.text = _sibling(self.directory, "mtl_text")  # also decodes non-UTF-8 input
        layout_module = _sibling(self.directory, "mtl_layout")
        self._tokenize = _tokenizer(self.directory, self.meta["tokenizer"], pretokenized,
                                    self.text)
        self.layout = layout_module.TextLayout(**self.meta["layout"])
        self.max_words = self.meta["max_words"]
        self._tasks = {t["name"]: t for t in self.meta["tasks"]}
        self._sessions: Dict[str, object] = {}
        self.threads = threads

    @property
    def tasks(self) -> List[str]:
        return [t["name"] for t in self.meta["tasks"]]

    def task_info(self, task: str) -> dict:
        if task not in self._tasks:
            raise KeyError(f"unknown task {task!r}; this model's tasks: {', '.join(self.tasks)}")
        return self._tasks[task]

    def session(self, task: str):
        if task not in self._sessions:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            if self.threads:
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
            path = os.path.join(self.directory, self.task_info(task)["model"])
            self._sessions[task] = onnxruntime.InferenceSession(
                path, options, providers=["CPUExecutionProvider"])
        return self._sessions[task]

    # --- text -> ids, as fairseq-mtl-predict -----------------------------------------------------
    def check_input(self, task: str, text) -> Optional[str]:
        """Why ``text`` is not an input of ``task``, or None."""
        pair = self.task_info(task)["pair"]
        given_pair = isinstance(text, (tuple, list))
        if pair and not (given_pair and len(text) == 2):
            return (f"task {task!r} reads a sentence pair: give two texts (a tuple (A, B); on "
                    "the command line A<TAB>B)")
        if given_pair and not pair:
            return f"task {task!r} reads one text, not a pair"
        return None

    def encode(self, text) -> Tuple[List[int], bool]:
        """Token ids of a text (or a pair) and whether it was cut; no ids for an empty text."""
        texts = list(text) if isinstance(text, (tuple, list)) else [text]
        parts = [self._tokenize(t) for t in texts]
        if not all(parts):
            return [], False
        tokens, cut = self.layout(parts)
        ids = [self.index.get(t, self.unk) for t in tokens]
        if self.max_words is not None and len(ids) > self.max_words:
            end = len(self.layout.end)
            keep = self.max_words - end
            return ids[:keep] + (ids[len(ids) - end:] if end else []), True
        return ids, cut

    # --- prediction -----------------------------------------------------------------------------
    def logits(self, task: str, batch: Sequence[List[int]]) -> np.ndarray:
        """The task head's output for a batch of id lists (B x C)."""
        lengths = np.array([len(ids) for ids in batch], dtype=np.int64)
        tokens = np.full((len(batch), int(lengths.max())), self.pad, dtype=np.int64)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
        return self.session(task).run(None, {"tokens": tokens, "lengths": lengths})[0]

    def predict(self, task: str, texts: Sequence, batch_size: int = 64) -> List[dict]:
        """One dict per text, in order: ``label`` (the label's name), ``label_id`` (the
        benchmark's value), ``probabilities`` (per label value) for a classification task;
        ``score`` for a regression task; ``truncated`` when the text was cut; for an empty text
        ``label`` None and a ``note``."""
        info = self.task_info(task)
        out: List[Optional[dict]] = [None] * len(texts)
        encoded = []
        for i, text in enumerate(texts):
            problem = self.check_input(task, text) if text != "" else None
            if problem:
                raise ValueError(f"input {i + 1}: {problem}")
            ids, cut = self.encode(text)
            if not ids:
                out[i] = {"label": None, "note": "empty text"}
            else:
                encoded.append((len(ids), i, ids, cut))
        encoded.sort(key=lambda e: e[0])  # similar lengths together: little padding
        for start in range(0, len(encoded), batch_size):
            chunk = encoded[start: start + batch_size]
            logits = self.logits(task, [e[2] for e in chunk]).astype(np.float64)
            for (_, i, _, cut), row in zip(chunk, logits):
                out[i] = self._result(info, row)
                if cut:
                    out[i]["truncated"] = True
        return out

    @staticmethod
    def _result(info: dict, row: np.ndarray) -> dict:
        if info["type"] == "regression":
            return {"score": float(row.reshape(-1)[0])}
        probs = _softmax(row)
        best = int(probs.argmax())
        return {"label": info["label_names"][best], "label_id": info["labels"][best],
                "probabilities": {label: float(p) for label, p in zip(info["labels"], probs)}}

    def __call__(self, inputs, task: Optional[str] = None, batch_size: int = 64):
        """As a Hugging Face pipeline: ``{"task", "label", "score"}`` per input (``score`` is the
        label's probability; a regression task gives ``{"task", "score"}``); a dict for one
        input, a list for a list."""
        single = isinstance(inputs, (str, tuple))
        items = [inputs] if single else list(inputs)
        if task is None:
            if len(self.tasks) != 1:
                raise ValueError(f"give task=...: this model has {len(self.tasks)} tasks")
            task = self.tasks[0]
        out = []
        for r in self.predict(task, items, batch_size):
            record = {"task": task}
            if "score" in r:
                record["score"] = r["score"]
            elif r["label"] is None:
                record.update(label=None, score=None, note=r["note"])
            else:
                record.update(label=r["label"], score=r["probabilities"][r["label_id"]])
            if r.get("truncated"):
                record["truncated"] = True
            out.append(record)
        return out[0] if single else out


def load(directory: str = HERE, threads: Optional[int] = None,
         pretokenized: bool = False) -> ExportedClassifier:
    """The exported model in ``directory`` (default: this file's own directory)."""
    return ExportedClassifier(directory, threads, pretokenized)


# --- command line -----------------------------------------------------------------------------
def _read_lines(path: Optional[str], text_module):
    stream = open(path, "rb") if path else sys.stdin.buffer
    try:
        for number, raw in enumerate(stream, start=1):
            raw = raw.rstrip(b"\n")
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            try:
                yield number, raw.decode("utf-8"), False
            except UnicodeDecodeError:  # as preparation decodes the corpora: cp1252, latin-1
                yield number, text_module.decode_line(raw)[0], True
    finally:
        if path:
            stream.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="serve.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=HERE, help="the export directory (default: this "
                        "file's own)")
    parser.add_argument("--task", help="the task to predict for (every line)")
    parser.add_argument("--list-tasks", action="store_true", help="print the tasks and exit")
    parser.add_argument("--input", help="one text per line (a pair task: A<TAB>B); default stdin")
    parser.add_argument("--output", help="TSV output (default: stdout)")
    parser.add_argument("--probabilities", action="store_true",
                        help="also write each label's probability")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None,
                        help="onnxruntime's threads (default: its own choice, every core)")
    parser.add_argument("--pretokenized", action="store_true",
                        help="the input is tokenised as FDU-MTL's labeled lines are")
    args = parser.parse_args(argv)

    def fail(message: str) -> int:
        print(f"serve.py: error: {message}", file=sys.stderr)
        return 1

    try:
        clf = load(args.dir, args.threads, args.pretokenized)
    except (OSError, ValueError, KeyError) as e:
        return fail(str(e))
    if args.list_tasks:
        for name in clf.tasks:
            info = clf.task_info(name)
            print(f"{name}\t" + ("regression" if info["type"] == "regression"
                                 else ", ".join(info["label_names"])))
        return 0
    if not args.task:
        return fail(f"give --task (one of: {', '.join(clf.tasks)})")
    try:
        info = clf.task_info(args.task)
    except KeyError as e:
        return fail(e.args[0])
    if args.input and not os.path.isfile(args.input):
        return fail(f"input not found: {args.input}")
    name = args.input or "<stdin>"
    if args.output and os.path.dirname(args.output):
        os.makedirs(os.path.dirname(args.output), exist_ok=True)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    columns = ["line", "task", "label"]
    if args.probabilities and info["type"] != "regression":
        columns += [f"p_{label}" for label in info["labels"]]
    out.write("\t".join(columns) + "\n")
    counts = {"rows": 0, "empty": 0, "cut": 0, "tabs": 0, "fallback": 0}
    first: dict = {}  # kind -> the first line of it
    started = time.time()

    def flush(numbers, texts):  # CHUNK lines at a time: rows are written as they are done
        for number, r in zip(numbers, clf.predict(args.task, texts, args.batch_size)):
            value = f"{r['score']:.6g}" if "score" in r else (r["label"] or "")
            cells = [str(number), args.task, value]
            if len(columns) > 3:
                probs = r.get("probabilities") or {}
                cells += [f"{probs[label]:.6f}" if label in probs else ""
                          for label in info["labels"]]
            out.write("\t".join(cells) + "\n")
            counts["rows"] += 1
            for kind, happened in (("empty", "note" in r), ("cut", bool(r.get("truncated")))):
                if happened:
                    counts[kind] += 1
                    first.setdefault(kind, number)
        out.flush()

    try:
        numbers, texts = [], []
        for number, line, fallback in _read_lines(args.input, clf.text):
            text = line if line.strip() else ""
            if fallback:
                counts["fallback"] += 1
                first.setdefault("fallback", number)
            if "\t" in text and not info["pair"]:
                counts["tabs"] += 1
                first.setdefault("tabs", number)
            if info["pair"] and text:
                parts = line.split("\t")
                if len(parts) != 2:
                    flush(numbers, texts)
                    return fail(f"{name}:{number}: task {args.task!r} reads a sentence pair: "
                                f"give the two texts separated by one TAB (this line has "
                                f"{len(parts) - 1} TABs; the {counts['rows']} rows before it "
                                "were written)")
                text = tuple(parts)
            numbers.append(number)
            texts.append(text)
            if len(texts) == CHUNK:
                flush(numbers, texts)
                numbers, texts = [], []
        flush(numbers, texts)
    finally:
        if args.output:
            out.close()
    seconds = time.time() - started
    empty, cut = counts["empty"], counts["cut"]
    if counts["tabs"]:
        print(f"serve.py: {counts['tabs']} line(s) held a TAB, read as part of the one text this "
              f"task takes (first: line {first['tabs']})", file=sys.stderr)
    if counts["fallback"]:
        print(f"serve.py: {counts['fallback']} line(s) were not UTF-8 and were decoded as "
              f"cp1252/latin-1 (first: line {first['fallback']})", file=sys.stderr)
    if counts["rows"] == empty:
        return fail(f"no text to predict in {name}" + (
            f": its {empty} line(s) were all empty" if empty else ": it has no lines"))
    if empty:
        print(f"serve.py: {empty} empty text(s) got no prediction (first: line "
              f"{first['empty']})", file=sys.stderr)
    if cut:
        print(f"serve.py: {cut} text(s) longer than {clf.max_words} tokens were cut to "
              f"{clf.max_words} (first: line {first['cut']})", file=sys.stderr)
    print(f"serve.py: {counts['rows'] - empty} predictions in {seconds:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
