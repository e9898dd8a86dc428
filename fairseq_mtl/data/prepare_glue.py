"""``fairseq-mtl-prepare glue``: GLUE TSVs -> binarised fairseq data + manifest.

    fairseq-mtl-prepare glue --raw-dir ../shared/data/glue --out data-bin/glue \\
        --tasks CoLA,SST-2,MRPC,RTE,WNLI [--tokenizer sentencepiece --spm-vocab 8000]

Tokenisation: ``sentencepiece`` (a unigram model trained on the training text of the tasks
being prepared, ``--spm-vocab`` pieces, saved as ``spm.model``) or ``words`` (the PTB-style
word tokeniser, lower-cased, with pretrained vectors). One dictionary for all tasks. A sentence
pair is ONE sequence: ``A <sep> B`` (``<sep>`` is a dictionary symbol; encoders that use
segments derive them from its position).

Beyond the FDU-MTL layout: ``{task}/{split}.label.npy`` holds float32 scores for a regression
task (STS-B), -1 labels for the unlabeled test splits, and ``{task}/{split}.index.txt`` the GLUE
index of every test row (for the submission files).
"""
from __future__ import annotations

import os
import time
from collections import Counter
from typing import Dict, List

import numpy as np

from fairseq_mtl.data.glue import DIAGNOSTIC_FILE, GLUE_TASKS, GlueTask, read_glue_task
from fairseq_mtl.data.manifest import Manifest, TaskEntry, split_prefix
from fairseq_mtl.data.problems import Problems
from fairseq_mtl.data.text import ptb_tokenize
from fairseq_mtl.paths import default_raw_dir

SEP = "<sep>"
SPM_MODEL = "spm.model"


class Tokenizer:
    """Words (PTB-style, lower-cased) or a sentencepiece model."""

    def __init__(self, kind: str, spm_model: str = None):
        self.kind = kind
        self._sp = None
        if kind == "sentencepiece":
            import sentencepiece as spm

            self._sp = spm.SentencePieceProcessor(model_file=spm_model)
        elif kind != "words":
            raise ValueError(f"unknown tokenizer {kind!r} (words, sentencepiece)")

    def __call__(self, text: str) -> List[str]:
        if self._sp is not None:
            return self._sp.encode(text, out_type=str)
        return ptb_tokenize(text)

    def pair(self, texts: List[str]) -> List[str]:
        tokens = self(texts[0])
        for text in texts[1:]:
            tokens = tokens + [SEP] + self(text)
        return tokens


def train_sentencepiece(tasks: List[GlueTask], out_dir: str, vocab_size: int) -> str:
    import sentencepiece as spm

    corpus = os.path.join(out_dir, "spm.train.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        for task in tasks:
            for example in task.splits["train"]:
                for text in example.texts:
                    f.write(text.replace("\n", " ") + "\n")
    prefix = os.path.join(out_dir, SPM_MODEL[: -len(".model")])
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, vocab_size=vocab_size, model_type="unigram",
        character_coverage=1.0, num_threads=os.cpu_count() or 1,
        # every training sentence is used, in file order: the model is a function of the data
        input_sentence_size=0, shuffle_input_sentence=False, hard_vocab_limit=False,
        minloglevel=2,
    )
    os.remove(corpus)
    return prefix + ".model"


def diagnostic_status(raw_dir: str, tasks: List[GlueTask]) -> str:
    """One line on GLUE's diagnostic set: where it was prepared, or why it was not."""
    path = os.path.join(raw_dir, DIAGNOSTIC_FILE)
    for task in tasks:
        split = task.spec.diagnostic_split
        if split and split in task.splits:
            return (f"{len(task.splits[split])} pairs from {path}, prepared as {task.name}'s "
                    f"split {split!r} (AX.tsv is written from the {task.name} head)")
    if not os.path.exists(path):
        return f"not prepared: no {path} (a submission then lacks AX.tsv)"
    return (f"not prepared: GLUE scores {path} with an MNLI model's predictions and MNLI is "
            f"not among the tasks ({', '.join(t.name for t in tasks)})")


def _binarize(prefix: str, token_lists: List[List[str]], dictionary) -> None:
    import torch
    from fairseq.data import indexed_dataset

    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    builder = indexed_dataset.make_builder(prefix + ".bin", impl="mmap",
                                           vocab_size=len(dictionary))
    unk = dictionary.unk()
    get = dictionary.indices.get
    for tokens in token_lists:
        builder.add_item(torch.tensor([get(t, unk) for t in tokens], dtype=torch.int32))
    builder.finalize(prefix + ".idx")


def prepare_glue(args) -> Manifest:
    from fairseq.data import Dictionary

    started = time.time()
    raw_dir = args.raw_dir or default_raw_dir("glue")
    names = args.tasks.split(",") if args.tasks else [
        t for t in GLUE_TASKS if os.path.isdir(os.path.join(raw_dir, t))]
    if not names:
        raise FileNotFoundError(f"no GLUE task directories in {raw_dir}")
    problems = Problems(skip=args.skip_bad_input)
    tasks = [read_glue_task(raw_dir, name, problems) for name in names]
    diagnostic = diagnostic_status(raw_dir, tasks)
    os.makedirs(args.out, exist_ok=True)

    spm_path = None
    if args.tokenizer == "sentencepiece":
        spm_path = train_sentencepiece(tasks, args.out, args.spm_vocab)
    tokenizer = Tokenizer(args.tokenizer, spm_path)
    tokenized: Dict[str, Dict[str, List[List[str]]]] = {}
    counts: Counter = Counter()
    for task in tasks:
        tokenized[task.name] = {}
        for split, examples in task.splits.items():
            tokenized[task.name][split] = [tokenizer.pair(e.texts) for e in examples]
        for tokens in tokenized[task.name]["train"]:
            counts.update(tokens)
    dictionary = Dictionary()
    dictionary.add_symbol(SEP, n=counts.pop(SEP, 0))
    for word, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        dictionary.add_symbol(word, n=count)
    dictionary.finalize(threshold=args.min_count, padding_factor=8)
    if dictionary.index(SEP) == dictionary.unk():  # a single-sentence mix: keep <sep> anyway
        dictionary.add_symbol(SEP)
    dictionary.save(os.path.join(args.out, "dict.txt"))

    embeddings = None
    if args.embeddings != "none":
        if args.tokenizer != "words":
            raise ValueError("--embeddings needs --tokenizer words (word vectors do not fit "
                             "sentencepiece pieces); use --embeddings none")
        from fairseq_mtl.data.embeddings import build_matrix, load_vectors

        index, vectors = load_vectors(args.embeddings)
        matrix, found = build_matrix(dictionary.symbols, index, vectors)
        np.save(os.path.join(args.out, "embeddings.npy"), matrix)
        np.save(os.path.join(args.out, "embeddings.found.npy"), found)
        embeddings = {"source": args.embeddings, "file": "embeddings.npy",
                      "found_file": "embeddings.found.npy", "dim": int(matrix.shape[1]),
                      "found": int(found.sum())}

    entries = []
    for task in tasks:
        spec = task.spec
        for split, examples in task.splits.items():
            prefix = split_prefix(args.out, task.name, split)
            _binarize(prefix, tokenized[task.name][split], dictionary)
            if split.startswith("test"):
                labels = np.full(len(examples), -1, dtype=np.float32 if spec.regression
                                 else np.int64)
                with open(prefix + ".index.txt", "w") as f:
                    f.writelines(f"{e.index}\n" for e in examples)
            elif spec.regression:
                labels = np.asarray([float(e.label) for e in examples], dtype=np.float32)
            else:
                labels = np.asarray([spec.labels.index(e.label) for e in examples],
                                    dtype=np.int64)
            np.save(prefix + ".label.npy", labels)
        train = tokenized[task.name]["train"]
        stats = {
            "avg_length": round(float(np.mean([len(t) for t in train])), 1) if train else 0.0,
            "pair": spec.pair,
            "skipped": sum(problems.for_file(p) for p in task.files.values()),
            "decode_fallback_lines": sum(s.n_fallback for s in task.decode.values()),
        }
        if not spec.regression and task.splits["train"]:
            label_counts = Counter(e.label for e in task.splits["train"])
            stats["majority_pct"] = round(
                100.0 * max(label_counts.values()) / len(task.splits["train"]), 2)
        entries.append(TaskEntry(
            name=task.name,
            labels=list(spec.labels),
            type="regression" if spec.regression else "classification",
            metric=spec.metric,
            splits={s: len(e) for s, e in task.splits.items()},
            stats=stats,
        ))
    manifest = Manifest(
        benchmark="glue",
        tasks=entries,
        embeddings=embeddings,
        preparation={
            "raw_dir": os.path.abspath(raw_dir),
            "tokenizer": args.tokenizer,
            "spm_model": SPM_MODEL if spm_path else None,
            "spm_vocab": args.spm_vocab if spm_path else None,
            "pair_separator": SEP,
            "min_count": args.min_count,
            "dictionary_size": len(dictionary),
            "diagnostic": diagnostic,
            "skip_bad_input": args.skip_bad_input,
            "skipped": problems.by_kind(),
            "skipped_examples": problems.examples,
            "decoding": "utf-8 per line, fallback cp1252 then latin-1 (counted); BOM dropped",
            "seconds": round(time.time() - started, 1),
        },
    )
    manifest.save(args.out)
    lines = ["| task | type | train | dev | test | avg tokens | skipped |",
             "|---|---|---|---|---|---|---|"]
    for e in entries:
        kind = "regression" if e.type == "regression" else f"{len(e.labels)} classes"
        kind += ", pair" if e.stats["pair"] else ""
        lines.append(f"| {e.name} | {kind} | {e.splits.get('train', 0)} | "
                     f"{e.splits.get('valid', 0)} | {e.splits.get('test', 0)} | "
                     f"{e.stats['avg_length']:.1f} | {e.stats['skipped']} |")
    lines += ["", f"diagnostic set (AX): {diagnostic}",
              f"dictionary: {len(dictionary)} symbols ({args.tokenizer}"
              + (f", {args.spm_vocab} pieces" if spm_path else "") + ")"]
    if problems.counts:
        lines.append(f"skipped input (--skip-bad-input): {problems.by_kind()}")
        lines += [f"  {m}" for m in problems.examples]
    summary = "\n".join(lines)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(summary + "\n")
    print(summary)
    print(f"wrote {args.out} in {time.time() - started:.1f}s")
    return manifest


def add_arguments(parser) -> None:
    parser.add_argument("--raw-dir", help="the GLUE directory, one sub-directory per task "
                        "(default: $FAIRSEQ_MTL_DATA/glue or ../shared/data/glue)")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--tasks", help=f"comma-separated, of {', '.join(GLUE_TASKS)} "
                        "(default: every task directory found)")
    parser.add_argument("--tokenizer", choices=["sentencepiece", "words"],
                        default="sentencepiece")
    parser.add_argument("--spm-vocab", type=int, default=8000,
                        help="sentencepiece vocabulary size (default 8000)")
    parser.add_argument("--embeddings", default="none",
                        help="with --tokenizer words: 'glove-6b-50d' or a vectors file")
    parser.add_argument("--min-count", type=int, default=1)
    parser.add_argument("--skip-bad-input", action="store_true",
                        help="skip (and count) malformed rows instead of stopping at the first")
