"""How task-invariant is a shared layer? A fresh task probe on its sentence vectors.

The adversarial loss of ASP-MTL (Liu, Qiu & Huang 2017, Sec. 4.1, Eq. 13) trains the shared
encoder so that a task discriminator cannot tell which task a sentence comes from, and the
paper credits the better transfer of the ASP-MTL shared layer (Sec. 5.5, Table 3) to this
"pure", task-invariant representation. Whether the discriminator seen during training is at
chance says little on its own (a weak or lagging discriminator is at chance too). This measures
it after the fact: for each extracted shared encoder (``fairseq-mtl-extract-shared``), encode
sentences of its source tasks, fit a new multinomial logistic regression that predicts the task
from the frozen sentence vector on ``--fit-split`` (default train, at most ``--per-task``
sentences per task, drawn with ``--seed``), and score it on ``--eval-split`` (default dev).
Chance is 1 / number of tasks. For reference the same probe is fitted on the mean of the
encoder's word vectors (bag of embeddings): how much the words alone give the task away.

    fairseq-mtl-task-probe --encoder SP-MTL=sp/shared.pt --encoder ASP-MTL=asp/shared.pt \\
        --data data-bin/fdu-mtl --out probe           # probe.md, probe.json
    fairseq-mtl-task-probe --pairs 'runs/fdu_mtl_transfer/cpu/{source}/*/seed1/source/shared.pt' \\
        --data data-bin/fdu-mtl --out probe           # SP vs ASP, one pair per directory

``--pairs`` takes a glob with ``{source}``, filled with sp_lstm and asp_lstm: every match whose
other-kind file exists forms a pair (the leave-one-out sources of one target), and the table
gives the paired ASP-MTL minus SP-MTL probe accuracy with a 95% t interval over the pairs.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import sys
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from fairseq_mtl.data.batching import length_sorted_chunks, pad_tokens
from fairseq_mtl.data.manifest import Manifest, split_prefix
from fairseq_mtl.modules.lstm_encoder import build_lstm_encoder
from fairseq_mtl.transfer import check_dictionary, load_shared_encoder


class FrozenShared:
    """An extracted shared encoder: word vectors + LSTM, in eval mode."""

    def __init__(self, path: str):
        state = load_shared_encoder(path)
        spec = state["encoder"]
        self.path, self.state = path, state
        self.tasks: List[str] = list(state["source"]["tasks"])
        self.vectors = state["embedding"]  # V x E
        self.padding_idx = int(state["padding_idx"])
        self.encoder = build_lstm_encoder(spec["kind"], spec["input_dim"], spec["hidden_dim"])
        self.encoder.load_state_dict(state["encoder_state"])
        self.encoder.eval()

    @torch.no_grad()
    def features(self, sentences: List[torch.Tensor], batch_size: int = 64
                 ) -> Tuple[np.ndarray, np.ndarray]:
        """-> shared sentence vectors N x H and mean word vectors N x E, in input order."""
        shared = [None] * len(sentences)
        bag = [None] * len(sentences)
        for idx in length_sorted_chunks([len(s) for s in sentences], batch_size):
            tokens, lengths = pad_tokens([sentences[i] for i in idx], self.padding_idx)
            x = self.vectors[tokens]  # B x T x E
            vectors = self.encoder(x, lengths)  # B x H
            real = (tokens != self.padding_idx).unsqueeze(-1)
            means = (x * real).sum(1) / lengths.unsqueeze(-1)  # B x E
            for b, i in enumerate(idx):
                shared[i], bag[i] = vectors[b].numpy(), means[b].numpy()
        return np.stack(shared), np.stack(bag)


def read_split(data: str, task: str, split: str, limit: Optional[int], rng,
               max_words: Optional[int]) -> List[torch.Tensor]:
    """Token tensors of one binarised split (a random ``limit`` of them, in file order)."""
    from fairseq.data.indexed_dataset import make_dataset

    prefix = split_prefix(data, task, split)
    if not os.path.exists(prefix + ".idx"):
        raise FileNotFoundError(f"{prefix}.idx: no {split!r} split for task {task!r} in {data}")
    dataset = make_dataset(prefix, impl="mmap")
    indices = np.arange(len(dataset))
    if limit is not None and limit < len(indices):
        indices = np.sort(rng.choice(indices, size=limit, replace=False))
    out = []
    for i in indices:
        tokens = dataset[int(i)].long()
        out.append(tokens[:max_words] if max_words else tokens)
    return [t for t in out if len(t) > 0]


def fit_probe(train_x, train_y, eval_x, eval_y, seed: int) -> float:
    """Accuracy (%) on the eval set of a standardised multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
    probe.fit(train_x, train_y)
    return 100.0 * float((probe.predict(eval_x) == eval_y).mean())


def probe_encoder(path: str, data: str, fit_split: str = "train", eval_split: str = "valid",
                  per_task: Optional[int] = 400, seed: int = 1,
                  max_words: Optional[int] = None) -> Dict:
    """Task-probe accuracies of one shared encoder over its source tasks."""
    encoder = FrozenShared(path)
    manifest = Manifest.load(data)
    check_dictionary(encoder.state, _dictionary_symbols(data), path)
    known = set(manifest.task_names)
    missing = [t for t in encoder.tasks if t not in known]
    if missing:
        raise ValueError(f"{path}: source tasks {missing} are not in {data}")
    rng = np.random.default_rng(seed)
    parts = {}
    for split, limit in ((fit_split, per_task), (eval_split, None)):
        feats, bags, labels = [], [], []
        for k, task in enumerate(encoder.tasks):
            sentences = read_split(data, task, split, limit, rng, max_words)
            shared, bag = encoder.features(sentences)
            feats.append(shared)
            bags.append(bag)
            labels.append(np.full(len(sentences), k))
        parts[split] = (np.concatenate(feats), np.concatenate(bags), np.concatenate(labels))
    (fx, fb, fy), (ex, eb, ey) = parts[fit_split], parts[eval_split]
    return {"encoder": path, "arch": encoder.state["source"]["arch"],
            "source_seed": encoder.state["source"]["seed"], "tasks": encoder.tasks,
            "fit": f"{fit_split} (at most {per_task} per task)", "eval": eval_split,
            "n_fit": int(len(fy)), "n_eval": int(len(ey)),
            "chance": 100.0 / len(encoder.tasks),
            "shared": fit_probe(fx, fy, ex, ey, seed), "word_mean": fit_probe(fb, fy, eb, ey, seed)}


def _dictionary_symbols(data: str) -> List[str]:
    from fairseq.data import Dictionary

    return Dictionary.load(os.path.join(data, "dict.txt")).symbols


def pair_paths(pattern: str) -> List[Tuple[str, str, str]]:
    """(label, sp path, asp path) for every glob match of ``pattern`` with ``{source}``; the
    label is what the wildcards after ``{source}`` matched (e.g. the target task)."""
    if "{source}" not in pattern:
        raise ValueError(f"--pairs {pattern!r}: needs a '{{source}}' placeholder")
    head, tail = pattern.split("{source}", 1)
    wild = [i for i, part in enumerate(tail.strip("/").split("/")) if any(c in part
                                                                           for c in "*?[")]
    pairs = []
    for sp in sorted(glob.glob(head + "sp_lstm" + tail)):
        asp = head + "asp_lstm" + sp[len(head + "sp_lstm"):]
        if os.path.exists(asp):
            parts = sp[len(head + "sp_lstm"):].strip("/").split("/")
            pairs.append(("/".join(parts[i] for i in wild) or sp, sp, asp))
    if not pairs:
        raise FileNotFoundError(f"--pairs {pattern!r}: no sp_lstm file with an asp_lstm twin")
    return pairs


def paired_markdown(rows: List[Tuple[str, Dict, Dict]]) -> str:
    from fairseq_mtl_tools.stats import t_interval

    lines = ["| pair | tasks | chance | word-vector mean (SP / ASP) | SP-MTL shared | ASP-MTL "
             "shared | ASP - SP |", "|---|---|---|---|---|---|---|"]
    diffs = []
    for label, sp, asp in rows:
        diffs.append(asp["shared"] - sp["shared"])
        lines.append(f"| {label} | {len(sp['tasks'])} | {sp['chance']:.1f} | "
                     f"{sp['word_mean']:.1f} / {asp['word_mean']:.1f} | {sp['shared']:.1f} | "
                     f"{asp['shared']:.1f} | {diffs[-1]:+.1f} |")
    mean = statistics.mean
    lines.append(f"| **mean over {len(rows)}** | | | "
                 f"{mean(r[1]['word_mean'] for r in rows):.1f} / "
                 f"{mean(r[2]['word_mean'] for r in rows):.1f} | "
                 f"**{mean(r[1]['shared'] for r in rows):.1f}** | "
                 f"**{mean(r[2]['shared'] for r in rows):.1f}** | **{mean(diffs):+.1f}** |")
    if len(diffs) > 1:
        _, half = t_interval(diffs)
        lines += ["", f"ASP-MTL minus SP-MTL task-probe accuracy: {mean(diffs):+.2f} points, 95% "
                  f"t interval over the {len(diffs)} pairs [{mean(diffs) - half:+.2f}, "
                  f"{mean(diffs) + half:+.2f}]; ASP-MTL lower on "
                  f"{sum(d < 0 for d in diffs)} of {len(diffs)}."]
    return "\n".join(lines) + "\n"


def single_markdown(results: List[Tuple[str, Dict]]) -> str:
    lines = ["| encoder | source arch | tasks | chance | word-vector mean | shared layer |",
             "|---|---|---|---|---|---|"]
    for name, r in results:
        lines.append(f"| {name} | {r['arch']} | {len(r['tasks'])} | {r['chance']:.1f} | "
                     f"{r['word_mean']:.1f} | {r['shared']:.1f} |")
    return "\n".join(lines) + "\n"


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-task-probe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", action="append", default=[],
                        help="NAME=shared.pt (repeat to compare)")
    parser.add_argument("--pairs", help="glob with {source}: SP-MTL / ASP-MTL pairs")
    parser.add_argument("--data", required=True, help="the prepared data the sources used")
    parser.add_argument("--fit-split", default="train")
    parser.add_argument("--eval-split", default="valid")
    parser.add_argument("--per-task", type=int, default=400,
                        help="at most this many fit sentences per task (0: all)")
    parser.add_argument("--max-words", type=int, default=0,
                        help="cut sentences to this many words (0: whole, as in training)")
    parser.add_argument("--seed", type=int, default=1, help="draws the fit sentences; the probe")
    parser.add_argument("--out", required=True, help="prefix of the .md and .json written")
    return parser


def cli_main(argv=None) -> int:
    args = get_parser().parse_args(argv)
    torch.manual_seed(args.seed)
    options = dict(fit_split=args.fit_split, eval_split=args.eval_split,
                   per_task=args.per_task or None, seed=args.seed,
                   max_words=args.max_words or None)
    try:
        if not (args.encoder or args.pairs):
            raise ValueError("give --encoder NAME=FILE (one or more) or --pairs GLOB")
        parts, dump = [], {"options": options}
        if args.encoder:
            named = [spec.partition("=")[::2] if "=" in spec else (spec, spec)
                     for spec in args.encoder]
            results = [(name, probe_encoder(path, args.data, **options)) for name, path in named]
            parts.append(single_markdown(results))
            dump["encoders"] = {name: r for name, r in results}
        if args.pairs:
            rows = []
            for label, sp, asp in pair_paths(args.pairs):
                rows.append((label, probe_encoder(sp, args.data, **options),
                             probe_encoder(asp, args.data, **options)))
                print(f"{label}: SP-MTL {rows[-1][1]['shared']:.1f}, ASP-MTL "
                      f"{rows[-1][2]['shared']:.1f} (chance {rows[-1][1]['chance']:.1f})",
                      flush=True)
            parts.append(paired_markdown(rows))
            dump["pairs"] = [{"pair": label, "sp": sp, "asp": asp} for label, sp, asp in rows]
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        print(f"fairseq-mtl-task-probe: error: {e}", file=sys.stderr)
        return 1
    text = "\n".join(parts)
    with open(args.out + ".md", "w") as f:
        f.write(text)
    with open(args.out + ".json", "w") as f:
        json.dump(dump, f, indent=1)
    print(text)
    print(f"wrote {args.out}.md and {args.out}.json")
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
