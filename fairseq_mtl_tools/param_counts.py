"""Parameter counts as the thesis reports them (without word embeddings and learned positions),
and the table comparing the Transformer schemes at the thesis size with the thesis' Table 4.3.

    python -m fairseq_mtl_tools.param_counts [--embed-dim 300] [--out FILE.md]
"""
from __future__ import annotations

import argparse

from fairseq_mtl.modules.counts import parameter_counts
from fairseq_mtl.modules.embedding import WordEmbedding

#: thesis Table 4.3 (4 layers, d=300, 6 heads, FFN 512; 16 tasks), "ignoring word embeddings,
#: positional encodings and other model-independent parameters"
THESIS = {"single": 2_773_150, "stack_pool": 2_782_180, "stack_cls": 2_782_480,
          "layerwise_implicit": 2_786_980, "layerwise_explicit": 2_786_980}
NAMES = {"single": "single task", "stack_pool": "S-P", "stack_cls": "S-C",
         "layerwise_implicit": "L-I", "layerwise_explicit": "L-E"}


def thesis_size_scheme(scheme: str, embed_dim: int = 300, num_tasks: int = 16):
    from fairseq_mtl.modules.transformer_encoder import (
        TransformerSentenceEncoder,
        TransformerStack,
    )
    from fairseq_mtl.sharing import build_scheme

    tasks = 1 if scheme == "single" else num_tasks
    return build_scheme(
        scheme, task_names=[f"t{i}" for i in range(tasks)], num_classes=[2] * tasks,
        embed_factory=lambda name: WordEmbedding(4, embed_dim, padding_idx=1),
        encoder_factory=lambda name: TransformerSentenceEncoder(
            TransformerStack(embed_dim, 300, 4, 6, 512, 512)),
        init_range=0.0,
    )


def table(embed_dim: int = 300) -> str:
    lines = [
        f"| scheme | ours ({embed_dim}d word vectors) | thesis | difference |",
        "|---|---:|---:|---:|",
    ]
    for scheme, thesis in THESIS.items():
        ours = parameter_counts(thesis_size_scheme(scheme, embed_dim))["rest"]
        lines.append(f"| {NAMES[scheme]} | {ours:,} | {thesis:,} | {ours - thesis:+,} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embed-dim", type=int, default=300)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    text = table(args.embed_dim)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
