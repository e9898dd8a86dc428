"""Shared-knowledge transfer (paper Sec. 5.5, Fig. 4, Table 3): take the shared layer out of a
multi-task checkpoint and use it, FROZEN, for a new task.

    fairseq-mtl-extract-shared runs/.../checkpoint_best.pt --out shared.pt
    fairseq-train DATA --user-dir user_dir --tasks NEW_TASK --arch transfer_bc \\
        --shared-encoder shared.pt ...

The extracted file is small and standalone: the word vectors and the shared encoder's weights,
what the encoder is (kind and sizes), the dictionary, and where it came from. It is read with
torch's weights-only loader (plain containers and tensors only), without the source
checkpoint or its data directory.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from typing import Dict, List, Optional

import torch

from fairseq_mtl.logs import configure_command_line

FORMAT = "fairseq-mtl-shared-encoder/1"


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def extract_shared_encoder(checkpoint: str, out: str, data: Optional[str] = None,
                           user_dir: Optional[str] = None) -> Dict:
    """Write the shared word vectors + shared encoder of an LSTM multi-task checkpoint (FS-MTL,
    SP-MTL, ASP-MTL) to ``out``; returns what was written (without the tensors)."""
    from fairseq_mtl.checkpoint import load_checkpoint

    model, task, cfg = load_checkpoint(checkpoint, data, user_dir, "cpu")
    scheme = model.scheme
    encoder = getattr(scheme, "shared_encoder", None)
    if encoder is None or getattr(cfg.model, "encoder", None) not in ("lstm", "bilstm", "slstm"):
        raise ValueError(
            f"{checkpoint}: arch {cfg.model._name!r} has no shared LSTM encoder to extract "
            f"(use an fs_lstm, sp_lstm or asp_lstm checkpoint)"
        )
    vectors = scheme.embed.vectors().detach().clone()  # W itself, whatever its lr scale
    spec = {
        "kind": str(cfg.model.encoder),
        "input_dim": int(vectors.size(1)),
        "hidden_dim": int(cfg.model.hidden_dim),
    }
    state = {
        "format": FORMAT,
        "encoder": spec,
        "embedding": vectors,
        "encoder_state": {k: v.detach().clone() for k, v in encoder.state_dict().items()},
        "dictionary": list(task.source_dictionary.symbols),
        "padding_idx": int(task.source_dictionary.pad()),
        "source": {
            "checkpoint": os.path.abspath(checkpoint),
            "sha256": _sha256(checkpoint),
            "arch": str(cfg.model._name),
            "tasks": list(task.task_names),
            "seed": int(cfg.common.seed),
        },
    }
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, out)
    return {k: v for k, v in state.items() if k in ("format", "encoder", "source")}


def load_shared_encoder(path: str) -> Dict:
    """Read an extracted shared encoder (safe loader); errors name the file."""
    from fairseq_mtl.checkpoint import CheckpointLoadError, MissingFileError, safe_torch_load

    if not os.path.isfile(path):
        raise MissingFileError(f"shared encoder file not found: {path} (write one with "
                               f"fairseq-mtl-extract-shared)")
    state = safe_torch_load(path, "shared encoder")
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointLoadError(f"{path}: not a shared-encoder file of fairseq-mtl (expected "
                                  f"format {FORMAT!r})")
    return state


def check_dictionary(state: Dict, symbols: List[str], where: str) -> None:
    from fairseq_mtl.data.manifest import check_same_dictionary

    try:
        check_same_dictionary(state["dictionary"], symbols, where)
    except ValueError as e:
        raise ValueError(f"{e} (the shared encoder was trained on "
                         f"{state['source']['checkpoint']})") from None


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-extract-shared", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="an fs_lstm / sp_lstm / asp_lstm checkpoint")
    parser.add_argument("--out", required=True, help="the file to write (e.g. shared.pt)")
    parser.add_argument("--data", help="prepared data directory (default: the checkpoint's)")
    parser.add_argument("--user-dir", help="fairseq-mtl's user_dir (default: the project's)")
    return parser


def cli_main(argv: Optional[List[str]] = None) -> int:
    args = get_parser().parse_args(argv)
    configure_command_line()
    try:
        info = extract_shared_encoder(args.checkpoint, args.out, args.data, args.user_dir)
    except (FileNotFoundError, RuntimeError, ValueError) as e:
        print(f"fairseq-mtl-extract-shared: error: {e}", file=sys.stderr)
        return 1
    size = os.path.getsize(args.out) / 2**20
    print(f"wrote {args.out} ({size:.1f} MiB): {info['encoder']['kind']} encoder, "
          f"{info['encoder']['hidden_dim']} units, from {info['source']['arch']} trained on "
          f"{len(info['source']['tasks'])} tasks")
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
