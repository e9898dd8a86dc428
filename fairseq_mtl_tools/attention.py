"""Attention pictures of the thesis' L-E analysis (Sun 2019, Sec. 4.4, Fig. 4.2):

* one sentence: the LAST layer's attention from the sentence task's token to every position (the
  T task tokens, then the words), one row per head;
* the task-to-task map: for the dev sentences of task t, the last layer's attention from task t's
  token to each task token u, averaged over heads and sentences (row t), with the share that goes
  to the words beside it.

    fairseq-mtl-attention CKPT --task magazines --sentence "the magazine never came" --out a.png
    fairseq-mtl-attention CKPT --task-map --split valid --out task_map   # .png, .md, .json

Works with every thesis scheme (S-C/L-I read from position 0); the task map needs L-E.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Dict, List

import numpy as np
import torch

from fairseq_mtl.data.text import ptb_tokenize


def _encode(task, sentence: str) -> torch.Tensor:
    words = ptb_tokenize(sentence)
    if not words:
        raise ValueError("the sentence has no words after tokenisation")
    d = task.source_dictionary
    return torch.tensor([[d.index(w) for w in words]]), words


def _query_position(model, task_id: int) -> int:
    return task_id if model.cfg.sharing == "layerwise_explicit" else 0


def _prefix_labels(model, task) -> List[str]:
    sharing = model.cfg.sharing
    if sharing == "layerwise_explicit":
        return [f"<{n}>" for n in task.task_names]
    if sharing in ("stack_cls", "layerwise_implicit"):
        return ["<CLS>" if sharing == "stack_cls" else "<TASK>"]
    return []


@torch.no_grad()
def sentence_attention(model, task, task_name: str, sentence: str) -> Dict:
    """Last-layer attention (heads x positions) from the task's reading position."""
    if task_name not in task.task_names:
        raise ValueError(f"unknown task {task_name!r}; known: {', '.join(task.task_names)}")
    task_id = task.task_names.index(task_name)
    tokens, words = _encode(task, sentence)
    limit = model.max_positions()
    if len(words) > limit:
        print(f"note: sentence cut to the model's {limit} words", file=sys.stderr)
        tokens, words = tokens[:, :limit], words[:limit]
    model.eval()
    weights = model.attention(tokens, torch.tensor([tokens.size(1)]), task_id)[-1]  # 1xHxLxL
    query = _query_position(model, task_id)
    return {"task": task_name, "labels": _prefix_labels(model, task) + words,
            "attention": weights[0, :, query].cpu().numpy()}  # H x L


@torch.no_grad()
def task_map(model, task, split: str = "valid", batch_size: int = 64) -> Dict:
    """T x (T + 1): row t = mean attention of task t's token to each task token, then words."""
    if model.cfg.sharing != "layerwise_explicit":
        raise ValueError("the task-to-task map needs the L-E scheme "
                         f"(layerwise_explicit_transformer), not {model.cfg.sharing!r}")
    task.load_dataset(split)
    itr = task.get_batch_iterator(task.dataset(split), max_sentences=batch_size,
                                  disable_iterator_cache=True).next_epoch_itr(shuffle=False)
    T = len(task.task_names)
    total, count = np.zeros((T, T + 1)), np.zeros(T)
    model.eval()
    for sample in itr:
        if not sample:
            continue
        t, net = sample["task_id"], sample["net_input"]
        last = model.attention(net["src_tokens"], net["src_lengths"], t)[-1]  # B x H x L x L
        row = last[:, :, t].mean(dim=1)  # B x L: from task t's token, averaged over heads
        total[t, :T] += row[:, :T].sum(0).cpu().numpy()
        total[t, T] += row[:, T:].sum().item()
        count[t] += row.size(0)
    out = total / np.maximum(count, 1)[:, None]
    return {"split": split, "tasks": list(task.task_names), "matrix": out}


def plot_sentence(result: Dict, path: str, note: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    att = result["attention"]
    fig, ax = plt.subplots(figsize=(max(6, 0.32 * att.shape[1]), 0.5 * att.shape[0] + 1.8))
    im = ax.imshow(att, cmap="Blues", aspect="auto", vmin=0)
    fig.colorbar(im, ax=ax, fraction=0.03, label="attention weight")
    ax.set_xticks(range(len(result["labels"])))
    ax.set_xticklabels(result["labels"], rotation=90, fontsize=7)
    ax.set_yticks(range(att.shape[0]))
    ax.set_yticklabels([f"head {h + 1}" for h in range(att.shape[0])], fontsize=7)
    ax.set_xlabel("attended position (task tokens, then words)")
    ax.set_title(f"last-layer attention from the {result['task']} token"
                 + (f"\n{note}" if note else ""), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_task_map(result: Dict, path: str, note: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m, names = result["matrix"], result["tasks"]
    T = len(names)
    fig, ax = plt.subplots(figsize=(0.45 * T + 3, 0.45 * T + 2))
    im = ax.imshow(m[:, :T], cmap="viridis")
    ax.set_xticks(range(T))
    ax.set_xticklabels(names, rotation=90, fontsize=7)
    ax.set_yticks(range(T))
    ax.set_yticklabels([f"{n} ({100 * m[i, T]:.0f}% words)" for i, n in enumerate(names)],
                       fontsize=7)
    ax.set_xlabel("attended task token")
    ax.set_ylabel("sentence's task (query token)")
    fig.colorbar(im, ax=ax, fraction=0.04, label="mean attention weight")
    ax.set_title(f"L-E last layer, mean attention between task tokens ({result['split']})"
                 + (f"\n{note}" if note else ""), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def task_map_markdown(result: Dict) -> str:
    m, names = result["matrix"], result["tasks"]
    T = len(names)
    lines = ["| task | most attended other task tokens | own token | words |", "|---|---|---|---|"]
    for t, name in enumerate(names):
        others = sorted((u for u in range(T) if u != t), key=lambda u: -m[t, u])[:3]
        top = ", ".join(f"{names[u]} {100 * m[t, u]:.1f}%" for u in others)
        lines.append(f"| {name} | {top} | {100 * m[t, t]:.1f}% | {100 * m[t, T]:.1f}% |")
    return "\n".join(lines) + "\n"


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-attention", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--sentence", help="raw text (tokenised as in training)")
    what.add_argument("--task-map", action="store_true", help="task-to-task map over a split")
    parser.add_argument("--task", help="the sentence's task (with --sentence)")
    parser.add_argument("--split", default="valid", help="split of --task-map (default: dev)")
    parser.add_argument("--data", help="prepared data directory (default: the checkpoint's)")
    parser.add_argument("--out", required=True,
                        help="PNG path (--sentence) or path without extension (--task-map)")
    parser.add_argument("--note", help="what the figure says about the model (default: the "
                        "profile and seed of the run.json beside the checkpoint)")
    return parser


def cli_main(argv=None) -> int:
    args = get_parser().parse_args(argv)
    from fairseq_mtl.checkpoint import load_checkpoint
    from fairseq_mtl_tools.runinfo import figure_note

    try:
        model, task, _ = load_checkpoint(args.checkpoint, args.data)
        if not hasattr(model, "attention"):
            raise ValueError("attention pictures need a Transformer checkpoint")
        if args.sentence is not None:
            if not args.task:
                raise ValueError("--sentence needs --task")
            result = sentence_attention(model, task, args.task, args.sentence)
            plot_sentence(result, args.out, figure_note(args.checkpoint, args.note))
            print(f"wrote {args.out}")
        else:
            result = task_map(model, task, args.split)
            plot_task_map(result, args.out + ".png", figure_note(args.checkpoint, args.note))
            with open(args.out + ".md", "w") as f:
                f.write(task_map_markdown(result))
            with open(args.out + ".json", "w") as f:
                json.dump({"split": result["split"], "tasks": result["tasks"],
                           "matrix": result["matrix"].round(5).tolist()}, f, indent=1)
            print(f"wrote {args.out}.png, .md and .json")
    except (ValueError, FileNotFoundError) as e:
        print(f"fairseq-mtl-attention: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
