"""The paper's analyses of SP-MTL vs ASP-MTL neurons (Liu, Qiu & Huang 2017, Sec. 5.6):

* ``trajectory``: the predicted sentiment score after every word of a sentence, one line per
  model (Fig. 5a);
* ``heatmap``: the activation of chosen shared/private neurons over the sentence's words, one row
  per neuron (Fig. 5b); ``auto`` picks, per model, the shared neuron whose activation follows
  the model's score most closely (|Pearson r|);
* ``patterns``: for each model and task, the words that most activate the shared layer's neurons
  and the task's private layer's neurons over a split (Table 4), and how much the two lists
  overlap (the paper's claim: little for ASP-MTL, much for SP-MTL).

    fairseq-mtl-neurons trajectory --model SP-MTL=sp.pt --model ASP-MTL=asp.pt --task baby \\
        --sentence "five stars , my baby can fall asleep soon in the stroller" --out fig5a.png
    fairseq-mtl-neurons heatmap --model SP-MTL=sp.pt --model ASP-MTL=asp.pt --task baby \\
        --sentence "..." --neuron auto --out fig5b.png
    fairseq-mtl-neurons patterns --model SP-MTL=sp.pt --model ASP-MTL=asp.pt \\
        --tasks MR,baby --split valid --out table4          # table4.md, table4.json

A neuron's "pattern" is the word at which it reaches its largest activation over the split (an
LSTM state at word t summarises the words up to t; ``--ngram 2`` reports the two words ending
there). A layer's patterns are ranked by how many of its neurons peak at them.

Works with LSTM checkpoints that have a shared encoder (fs_lstm, sp_lstm, asp_lstm; the private
layer only for the last two) and a one-direction encoder (lstm, slstm): a BiLSTM state at word t
has read the whole sentence, so neither the score nor the pattern "after word t" exists.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from fairseq_mtl.data.batching import length_sorted_chunks, pad_tokens
from fairseq_mtl.data.tokenizers import raw_text_tokenizer


class NeuronProbe:
    """Per-word states of a checkpoint's shared and private LSTM layers."""

    def __init__(self, model, task, name: str = ""):
        self.model, self.task, self.name = model.eval(), task, name
        scheme = model.scheme
        encoder_kind = getattr(model.cfg, "encoder", None)
        if getattr(scheme, "shared_encoder", None) is None or not hasattr(scheme, "embed"):
            raise ValueError(f"{name or 'the model'}: neuron analyses need an LSTM model with a "
                             f"shared encoder (fs_lstm, sp_lstm, asp_lstm)")
        if encoder_kind not in ("lstm", "slstm"):
            raise ValueError(f"{name or 'the model'}: encoder {encoder_kind!r}; per-word scores "
                             f"and patterns need a one-direction LSTM (lstm, slstm)")
        self.scheme = scheme
        self.private = getattr(scheme, "private_encoders", None)
        self.tokenize = raw_text_tokenizer(task.manifest.preparation, task.tokenizer_files)

    @classmethod
    def load(cls, spec: str, data: Optional[str] = None) -> "NeuronProbe":
        """``NAME=PATH`` (or just PATH) of a checkpoint."""
        from fairseq_mtl.checkpoint import load_checkpoint

        name, sep, path = spec.partition("=")
        if not sep:
            name, path = spec, spec
        model, task, _ = load_checkpoint(path, data)
        return cls(model, task, name)

    def task_id(self, task_name: str) -> int:
        if task_name not in self.task.task_names:
            raise ValueError(f"unknown task {task_name!r}; known: "
                             f"{', '.join(self.task.task_names)}")
        return self.task.task_names.index(task_name)

    def encode(self, sentence: str) -> Tuple[torch.Tensor, List[str]]:
        words = self.tokenize(sentence)
        if not words:
            raise ValueError("the sentence has no words after tokenisation")
        d = self.task.source_dictionary
        return torch.tensor([[d.index(w) for w in words]]), words

    @torch.no_grad()
    def states(self, tokens: torch.Tensor, lengths: torch.Tensor, task_id: int):
        """-> shared B x T x Hs, private B x T x Hp (or None); zero at padding."""
        x = self.scheme.embed(tokens)
        _, shared = self.scheme.shared_encoder(x, lengths, return_states=True)
        private = None
        if self.private is not None:
            _, private = self.private[task_id](x, lengths, return_states=True)
        return shared, private

    @torch.no_grad()
    def scores(self, sentence: str, task_name: str) -> Dict:
        """Probability of the task's last label (FDU-MTL: '1', positive) after every word."""
        k = self.task_id(task_name)
        tokens, words = self.encode(sentence)
        shared, private = self.states(tokens, torch.tensor([len(words)]), k)
        features = shared[0] if private is None else torch.cat([shared[0], private[0]], -1)
        probs = torch.softmax(self.scheme.heads[k](features), dim=-1)[:, -1]
        label = self.task.task_entries[k].labels[-1]
        return {"model": self.name, "words": words, "scores": probs.tolist(), "label": label,
                "shared": shared[0].numpy(), "private": None if private is None
                else private[0].numpy()}


# --- Fig. 5a, 5b ------------------------------------------------------------------------------
def plot_trajectory(results: List[Dict], out: str, task_name: str, note: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    words = results[0]["words"]
    fig, ax = plt.subplots(figsize=(max(6, 0.55 * len(words)), 3.2))
    for r, marker in zip(results, "osd^v"):
        ax.plot(range(len(words)), r["scores"], marker=marker, label=r["model"])
    ax.axhline(0.5, color="grey", lw=1.5, alpha=0.6)
    ax.set_xticks(range(len(words)))
    ax.set_xticklabels(words, rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"P(label {results[0]['label']})")
    ax.set_xlabel("sentence read up to this word")
    ax.set_title(f"{task_name}: predicted score after each word" + (f" ({note})" if note else ""))
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=150)
    plt.close(fig)


def pick_neuron(result: Dict, spec: str) -> Tuple[str, int]:
    """``shared:J``, ``private:J`` or ``auto``: the shared neuron whose activation moves most
    with the score over the sentence (largest |covariance|; a correlation alone picks neurons
    that track the score at an invisible scale, e.g. +-0.01)."""
    if spec == "auto":
        acts = result["shared"]  # T x H
        scores = np.asarray(result["scores"])
        if len(scores) < 3:
            return "shared", int(np.abs(acts[-1]).argmax())
        centred = acts - acts.mean(axis=0)
        cov = np.abs(centred.T @ (scores - scores.mean())) / len(scores)
        return "shared", int(np.argmax(cov))
    layer, _, j = spec.partition(":")
    if layer not in ("shared", "private") or not j.isdigit():
        raise ValueError(f"--neuron {spec!r}: use shared:J, private:J or auto")
    if result[layer] is None:
        raise ValueError(f"{result['model']} has no private layer")
    if int(j) >= result[layer].shape[1]:
        raise ValueError(f"--neuron {spec!r}: the {layer} layer has {result[layer].shape[1]} "
                         f"neurons")
    return layer, int(j)


def plot_heatmap(rows: List[Tuple[str, np.ndarray]], words: List[str], out: str,
                 note: str = "") -> None:
    """One row per neuron, its activation after each word on one diverging scale (-1 to 1, the
    range of an LSTM's hidden state) with its colour bar; each value printed in a colour that
    reads on its cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), 1, figsize=(max(6, 0.55 * len(words)) + 1.2,
                                                     1.1 * len(rows) + 1.2), squeeze=False)
    image = None
    for ax, (label, values) in zip(axes[:, 0], rows):
        image = ax.imshow(values[None, :], cmap="RdBu_r", aspect="auto", vmin=-1, vmax=1)
        ax.set_yticks([0])
        ax.set_yticklabels([label])
        ax.set_xticks(range(len(words)))
        ax.set_xticklabels(words, rotation=45, ha="right")
        for t, v in enumerate(values):
            ax.text(t, 0, f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if abs(v) > 0.55 else "black")
    fig.suptitle("neuron activation after each word" + (f" ({note})" if note else ""),
                 fontsize=9)
    fig.colorbar(image, ax=list(axes[:, 0]), fraction=0.03, label="activation (tanh, -1 to 1)")
    fig.savefig(out, dpi=150)
    plt.close(fig)


# --- Table 4 ----------------------------------------------------------------------------------
@torch.no_grad()
def layer_patterns(probe: NeuronProbe, task_name: str, split: str, top: int = 10,
                   ngram: int = 1, batch_size: int = 64) -> Dict:
    """For the shared and the task's private layer: the words (n-grams) at which its neurons
    peak over ``split``, ranked by the number of neurons peaking there."""
    k = probe.task_id(task_name)
    probe.task.load_dataset(split)
    data = probe.task.dataset(split).labeled[k]
    d = probe.task.source_dictionary
    best = {}  # layer -> (max activation per neuron, (sentence, position) per neuron)
    sentences = []
    for idx in length_sorted_chunks(data.sizes, batch_size):
        items = [data[int(i)][0] for i in idx]
        tokens, lengths = pad_tokens(items, d.pad())
        shared, private = probe.states(tokens, lengths, k)
        for layer, states in (("shared", shared), ("private", private)):
            if states is None:
                continue
            real = (torch.arange(states.size(1))[None, :] < lengths[:, None]).unsqueeze(-1)
            masked = states.masked_fill(~real, float("-inf"))  # B x T x H
            flat = masked.reshape(-1, masked.size(-1))  # (B*T) x H
            values, where = flat.max(dim=0)
            prev = best.get(layer)
            for j in range(values.numel()):
                if prev is None or values[j] > prev[0][j]:
                    b, t = divmod(int(where[j]), masked.size(1))
                    if prev is None:
                        prev = ([float("-inf")] * values.numel(), [None] * values.numel())
                        best[layer] = prev
                    prev[0][j] = float(values[j])
                    prev[1][j] = (len(sentences) + b, t)
        sentences.extend(items)
    result = {"task": task_name, "split": split, "model": probe.name}
    for layer, (_, where) in best.items():
        counts: Counter = Counter()
        for s, t in where:
            ids = sentences[s][max(0, t - ngram + 1): t + 1]
            counts[" ".join(d[int(i)] for i in ids)] += 1
        result[layer] = [{"pattern": w, "neurons": n} for w, n in counts.most_common(top)]
        result[f"{layer}_neurons"] = len(where)
    if "private" in result:
        a = {r["pattern"] for r in result["shared"]}
        b = {r["pattern"] for r in result["private"]}
        result["overlap"] = sorted(a & b)
        result["jaccard"] = round(len(a & b) / len(a | b), 3) if a | b else 0.0
    return result


def patterns_markdown(results: List[Dict]) -> str:
    lines = ["| model | task | shared layer | task-specific layer | in both | Jaccard |",
             "|---|---|---|---|---|---|"]
    for r in results:
        def words(layer):
            return ", ".join(f"{p['pattern']} ({p['neurons']})" for p in r.get(layer, [])) or "-"
        lines.append(f"| {r['model']} | {r['task']} | {words('shared')} | {words('private')} | "
                     f"{', '.join(r.get('overlap', [])) or '-'} | {r.get('jaccard', '-')} |")
    lines += ["", "(n) = how many of the layer's neurons reach their largest activation over the "
              f"{results[0]['split'] if results else ''} split at that word."]
    return "\n".join(lines) + "\n"


# --- command line -----------------------------------------------------------------------------
def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-neurons", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["trajectory", "heatmap", "patterns"])
    parser.add_argument("--model", action="append", required=True,
                        help="NAME=CHECKPOINT (repeat to compare models)")
    parser.add_argument("--task", help="trajectory/heatmap: the sentence's task")
    parser.add_argument("--tasks", help="patterns: comma-separated tasks (default: all)")
    parser.add_argument("--sentence", help="trajectory/heatmap: raw text")
    parser.add_argument("--neuron", action="append",
                        help="heatmap: shared:J, private:J or auto (default auto; one per "
                        "--model, or one for all)")
    parser.add_argument("--split", default="valid", help="patterns: the split (default: dev)")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--ngram", type=int, default=1)
    parser.add_argument("--data", help="prepared data directory (default: the checkpoint's)")
    parser.add_argument("--note", help="what the figures say about the models (default: the "
                        "profile and seed of the run.json beside the first checkpoint)")
    parser.add_argument("--out", required=True, help="PNG (trajectory, heatmap) or the prefix "
                        "of .md/.json (patterns)")
    return parser


def cli_main(argv=None) -> int:
    args = get_parser().parse_args(argv)
    try:
        probes = [NeuronProbe.load(spec, args.data) for spec in args.model]
        from fairseq_mtl_tools.runinfo import figure_note

        note = figure_note(args.model[0].partition("=")[2] or args.model[0], args.note)
        if args.what in ("trajectory", "heatmap"):
            if not (args.task and args.sentence):
                raise ValueError(f"{args.what} needs --task and --sentence")
            results = [p.scores(args.sentence, args.task) for p in probes]
            if args.what == "trajectory":
                plot_trajectory(results, args.out, args.task, note)
                for r in results:
                    print(f"{r['model']}: " + " ".join(f"{w}:{s:.2f}" for w, s in
                                                       zip(r["words"], r["scores"])))
            else:
                specs = args.neuron or ["auto"]
                if len(specs) == 1:
                    specs = specs * len(results)
                if len(specs) != len(results):
                    raise ValueError("give one --neuron, or one per --model")
                rows = []
                for r, spec in zip(results, specs):
                    layer, j = pick_neuron(r, spec)
                    rows.append((f"{r['model']} {layer} h{j}", r[layer][:, j]))
                plot_heatmap(rows, results[0]["words"], args.out, note)
                print("neurons: " + ", ".join(label for label, _ in rows))
            print(f"wrote {args.out}")
        else:
            names = args.tasks.split(",") if args.tasks else probes[0].task.task_names
            results = [layer_patterns(p, t, args.split, args.top, args.ngram)
                       for p in probes for t in names]
            with open(args.out + ".md", "w") as f:
                f.write(patterns_markdown(results))
            with open(args.out + ".json", "w") as f:
                json.dump(results, f, indent=1)
            print(patterns_markdown(results))
            print(f"wrote {args.out}.md and {args.out}.json")
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        print(f"fairseq-mtl-neurons: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
