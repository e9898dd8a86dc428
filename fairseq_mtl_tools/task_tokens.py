"""How far training moved the vectors a Transformer scheme puts before the words: L-I's task
tokens (``scheme.task_embed.weight``), L-E's (``scheme.task_tokens``), S-C's CLS
(``scheme.cls``), against where they started, [CLS]'s input vector (its word vector plus token
type 0, from the pretrained model), and against each other.

    python -m fairseq_mtl_tools.task_tokens CKPT --pretrained pretrained/all-MiniLM-L6-v2

On a pretrained encoder every one of them starts as [CLS] (tests/test_pretrained.py); whether
training makes L-I a model different from S-C depends on how far its task tokens move apart
(at lr 5e-5 they barely move; ``--new-params-lr-scale`` trains them faster). Printed per vector:
its distance from the start relative to the start's norm, and its cosine with the start; then
the smallest and largest distance between two tasks' tokens, relative to the start's norm.
"""
import argparse
import sys
from typing import Dict, List

import torch

NAMES = ("scheme.task_embed.weight", "scheme.task_tokens", "scheme.cls")


def prefix_vectors(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """parameter name -> its vectors (K x d; S-C's one vector as 1 x d)."""
    out = {}
    for name in NAMES:
        if name in state:
            value = state[name].float()
            out[name] = value.view(-1, value.size(-1))
    return out


def movement(vectors: torch.Tensor, start: torch.Tensor) -> Dict[str, List[float]]:
    norm = float(start.norm())
    moved = [(float((v - start).norm()) / norm) for v in vectors]
    cosine = [float(torch.nn.functional.cosine_similarity(v, start, dim=0)) for v in vectors]
    pairs = [float((vectors[i] - vectors[j]).norm()) / norm
             for i in range(len(vectors)) for j in range(i + 1, len(vectors))]
    return {"moved": moved, "cosine": cosine, "pairs": pairs}


def cls_start(pretrained: str) -> torch.Tensor:
    """[CLS]'s input vector of the pretrained model (word + token type 0)."""
    from fairseq_mtl.data.vocabulary import fixed_dictionary
    from fairseq_mtl.pretrained import load_pretrained
    from fairseq_mtl.pretrained.modules import cls_vector

    encoder = load_pretrained(pretrained)
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    return cls_vector(encoder.weights, d.bos()).float()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--pretrained", required=True,
                        help="the pretrained model the run started from (its [CLS] vector)")
    args = parser.parse_args(argv)
    from fairseq_mtl.checkpoint import safe_torch_load

    state = safe_torch_load(args.checkpoint)["model"]
    vectors = prefix_vectors(state)
    if not vectors:
        print(f"{args.checkpoint}: no task tokens or CLS vector (not L-I, L-E or S-C)",
              file=sys.stderr)
        return 1
    start = cls_start(args.pretrained)
    for name, v in vectors.items():
        m = movement(v, start)
        print(f"{name}: moved from [CLS] by {min(m['moved']):.4f}-{max(m['moved']):.4f} of its "
              f"norm (cosine {min(m['cosine']):.5f}-{max(m['cosine']):.5f})"
              + (f"; two tasks' tokens {min(m['pairs']):.4f}-{max(m['pairs']):.4f} apart"
                 if m["pairs"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
