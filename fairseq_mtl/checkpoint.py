"""Loading a trained fairseq-mtl checkpoint outside ``fairseq-train`` (evaluation, analyses).

Loading goes through fairseq's own ``load_model_ensemble_and_task`` and therefore through
torch's safe (weights-only) unpickler with the allow-list of :mod:`fairseq_mtl.compat`.
"""
from __future__ import annotations

import os
import pickle
import zipfile
from argparse import Namespace
from typing import Optional

from fairseq_mtl.paths import PROJECT_ROOT

DEFAULT_USER_DIR = os.path.join(PROJECT_ROOT, "user_dir")


def import_plugin(user_dir: Optional[str] = None) -> str:
    """Register the fairseq-mtl tasks/models/criterions (idempotent); returns the user dir."""
    from fairseq import utils

    user_dir = os.path.abspath(user_dir or DEFAULT_USER_DIR)
    if not os.path.isdir(user_dir):
        raise FileNotFoundError(f"fairseq-mtl user dir not found: {user_dir} (pass --user-dir)")
    utils.import_user_module(Namespace(user_dir=user_dir))
    return user_dir


def load_checkpoint(path: str, data: Optional[str] = None, user_dir: Optional[str] = None,
                    device: str = "cpu"):
    """Return ``(model, task, cfg)``; ``data`` overrides the prepared-data directory recorded in
    the checkpoint (use it when the data moved)."""
    import torch
    from fairseq import checkpoint_utils

    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    user_dir = import_plugin(user_dir)
    overrides = {"user_dir": user_dir}
    if data is not None:
        overrides["data"] = data
    try:
        models, cfg, task = checkpoint_utils.load_model_ensemble_and_task(
            [path], arg_overrides=overrides
        )
    except (RuntimeError, EOFError, OSError, pickle.UnpicklingError, zipfile.BadZipFile) as e:
        # a truncated/corrupted file, or torch's safe loader refusing a class that is not on
        # the allow-list (a pickle that would run code, say)
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise RuntimeError(
            f"{path}: cannot load checkpoint ({type(e).__name__}: {first_line})"
        ) from e
    model = models[0].to(torch.device(device)).eval()
    return model, task, cfg
