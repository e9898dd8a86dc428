"""Loading a trained fairseq-mtl checkpoint outside ``fairseq-train`` (evaluation, analyses).

Loading goes through fairseq's own ``load_checkpoint_to_cpu`` and therefore through torch's
safe (weights-only) unpickler with the allow-list of :mod:`fairseq_mtl_plugin.patches`.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import pickle
import re
import struct
import zipfile
from argparse import Namespace
from typing import Optional

PLUGIN = "fairseq_mtl_plugin"


def plugin_dir() -> str:
    """The installed plugin's directory, for ``fairseq-train --user-dir`` (not imported here)."""
    spec = importlib.util.find_spec(PLUGIN)
    if spec is None:
        raise ImportError(f"{PLUGIN} is not installed (scripts/setup_env.sh installs it)")
    return list(spec.submodule_search_locations)[0]


def import_plugin(user_dir: Optional[str] = None) -> str:
    """Register the fairseq-mtl task, models and criterion with fairseq (idempotent): the
    installed plugin package, found by its name from any directory, or the ``--user-dir``
    given (a checkout's ``user_dir``, or a plugin of the user's). Returns the directory that
    fairseq records as the checkpoint's ``user_dir``."""
    if user_dir is None:
        return importlib.import_module(PLUGIN).PLUGIN_DIR
    from fairseq import utils

    user_dir = os.path.abspath(user_dir)
    if not os.path.isdir(user_dir):
        raise FileNotFoundError(f"fairseq-mtl user dir not found: {user_dir} (pass --user-dir)")
    utils.import_user_module(Namespace(user_dir=user_dir))
    return user_dir


TASK_NAME = "multitask_classification"


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


class OneLineError(Exception):
    """An error whose message says everything (the file, the reason, what to do): the command
    line tools print it as one line, without a traceback (fairseq_mtl_plugin/patches.py)."""


class CheckpointLoadError(OneLineError, RuntimeError):
    """A checkpoint file that cannot be read: one line naming the file and the reason."""


class MissingFileError(OneLineError, FileNotFoundError):
    """A file that a run needs and that is not there (one line naming it)."""


def load_error(path: str, e: BaseException, what: str = "checkpoint") -> CheckpointLoadError:
    """The one-line error for a file that torch could not load.

    torch's safe loader opens its refusal with the advice to retry with ``weights_only=False``,
    which would run whatever the file holds, and asks to "file an issue"; neither is the
    reason. The reason is kept: the refused global (``GLOBAL posix.system``), a file that is a
    plain pickle rather than torch's zip archive, or a truncated or corrupted archive.
    """
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    found = re.search(r"GLOBAL ([\w.]+)", str(e))
    refused = isinstance(e, pickle.UnpicklingError) and lines and "weights_only" in lines[0]
    if refused and found:  # (a zip archive, or torch's legacy format, which is pickles too)
        reason = (f"refused by torch's safe loader: unsupported GLOBAL {found.group(1)}, "
                  f"which no fairseq-mtl file holds; loading it in full could run code")
    elif os.path.isfile(path) and not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(2)
        if head[:1] == b"\x80":  # the PROTO opcode that opens every pickle of protocol >= 2
            reason = (f"a plain Python pickle (protocol {head[1]}), not a file written by "
                      f"torch.save; fairseq-mtl reads such files only through torch's safe "
                      f"loader, which does not run pickles")
        else:  # torch's own first line is its advice to load in full: not the reason
            said = lines[0] if lines and "weights_only" not in lines[0] else ""
            said = said or next((line.split("error:", 1)[1].strip() for line in lines
                                 if "error:" in line), "")
            reason = (f"truncated or corrupted: {os.path.getsize(path)} bytes that are not a "
                      f"complete torch file" + (f"; {type(e).__name__}: {said}" if said else ""))
    elif refused:
        detail = next((line for line in lines[1:] if not line.startswith(
            ("Check the doc", "Please file an issue"))), "")
        detail = detail or next((line.split("error:", 1)[1].strip() for line in lines
                                 if "error:" in line), "")
        reason = f"refused by torch's safe loader: {detail or 'unsupported content'}"
    else:
        reason = f"{type(e).__name__}: {lines[0] if lines else ''}"
    return CheckpointLoadError(f"{path}: cannot load {what} ({reason})")


def safe_torch_load(path: str, what: str = "checkpoint", allowed=()):
    """``torch.load`` of a checkpoint-like file (an extracted shared encoder, a pretrained
    model), always through torch's weights-only unpickler (plus the ``allowed`` classes): a
    missing file is a ``FileNotFoundError``, anything unreadable one
    :class:`CheckpointLoadError` naming the file and the reason, never torch's advice to load
    it in full."""
    import warnings

    import torch

    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} not found: {path}")
    try:
        with warnings.catch_warnings(), torch.serialization.safe_globals(list(allowed)):
            # ("Detected pickle protocol 4 ...": noise before the refusal of a plain pickle)
            warnings.simplefilter("ignore", UserWarning)
            return torch.load(path, map_location="cpu", weights_only=True)
    except LOAD_ERRORS as e:
        raise load_error(path, e, what) from None


#: what torch raises for a truncated, corrupted or refused checkpoint file (its unpickler, fed
#: bytes that are not a pickle, fails as it may: IndexError, KeyError, struct.error ...)
LOAD_ERRORS = (RuntimeError, EOFError, OSError, pickle.UnpicklingError, zipfile.BadZipFile,
               ValueError, IndexError, KeyError, struct.error)


def read_checkpoint_state(path: str, overrides: Optional[dict] = None) -> dict:
    """The checkpoint's state (cfg as OmegaConf) through torch's safe loader; a missing,
    truncated or unsafe file is a ``RuntimeError``/``FileNotFoundError`` naming it."""
    from fairseq import checkpoint_utils

    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        state = checkpoint_utils.load_checkpoint_to_cpu(path, arg_overrides=overrides)
    except CheckpointLoadError:
        raise  # the plugin's loader said it already (fairseq_mtl_plugin.patches)
    except LOAD_ERRORS as e:
        # a truncated/corrupted file, or torch's safe loader refusing a class that is not on
        # the allow-list (a pickle that would run code, say)
        raise load_error(path, e) from e
    cfg = state.get("cfg")
    task_name = cfg.task.get("_name") if cfg is not None and "task" in cfg else None
    if task_name != TASK_NAME:
        arch = cfg.model.get("_name") if cfg is not None and "model" in cfg else None
        raise RuntimeError(
            f"{path}: not a fairseq-mtl checkpoint (task {task_name!r}, arch {arch!r}; "
            f"expected task {TASK_NAME!r})"
        )
    return state


def find_recorded_data(recorded: Optional[str], checkpoint: str) -> Optional[str]:
    """The prepared-data directory a checkpoint records, as an absolute path, or None when it
    cannot be found from here.

    Runs record it absolute (the task resolves it when training starts). A checkpoint written
    before that may hold the path as typed, relative to wherever ``fairseq-train`` ran: it is
    looked for from the current directory, then from the checkpoint's directory and each
    directory above it (a save dir inside the project, where training usually runs). A wrong
    match cannot pass unnoticed: the task refuses a dictionary other than the checkpoint's.
    """
    if not recorded:
        return None

    def prepared(directory: str) -> bool:
        return os.path.isfile(os.path.join(directory, "manifest.json"))

    if os.path.isabs(recorded):
        return recorded if prepared(recorded) else None
    if prepared(recorded):
        return os.path.abspath(recorded)
    here = os.path.dirname(os.path.abspath(checkpoint))
    while True:
        candidate = os.path.join(here, recorded)
        if prepared(candidate):
            return os.path.normpath(candidate)
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def missing_data_message(checkpoint: str, recorded: Optional[str]) -> str:
    """One line for a command that needs the checkpoint's data and cannot find it."""
    where = (f"the data directory it was trained on, {recorded!r}, is not found from here"
             + (" (a relative path: it was relative to where fairseq-train ran)"
                if recorded and not os.path.isabs(recorded) else "")
             if recorded else "it records no data directory")
    return f"{checkpoint}: {where}; pass --data DIR, the prepared data of this model"


def load_checkpoint(path: str, data: Optional[str] = None, user_dir: Optional[str] = None,
                    device: str = "cpu"):
    """Return ``(model, task, cfg)``.

    ``data`` overrides the prepared-data directory recorded in the checkpoint (use it when the
    data moved); its dictionary must be the checkpoint's. Without it, the recorded directory is
    used when it can be found (:func:`find_recorded_data`), and otherwise the dictionary and
    manifest the checkpoint carries (enough to predict, not to evaluate on a split: the task's
    ``data_dir`` is then None).
    """
    import torch
    from fairseq import tasks

    user_dir = import_plugin(user_dir)
    overrides = {"user_dir": user_dir}
    if data is not None:
        if not os.path.isfile(os.path.join(data, "manifest.json")):
            raise FileNotFoundError(f"{data}: no manifest.json; not a prepared data directory")
        overrides["data"] = os.path.abspath(data)
    state = read_checkpoint_state(path, overrides)
    cfg = state["cfg"]
    task_state = state.get("task_state") or {}
    found = cfg.task.data if data is not None else find_recorded_data(cfg.task.data, path)
    if found is not None:
        from omegaconf import open_dict

        with open_dict(cfg.task):
            cfg.task.data = found
        task = tasks.setup_task(cfg.task)
        task.load_state_dict(task_state)  # refuses another dictionary
    else:
        task_class = tasks.TASK_REGISTRY[TASK_NAME]
        try:
            task = task_class.from_state(cfg.task, task_state)
        except ValueError as e:
            raise RuntimeError(f"{path}: {e} (recorded: {cfg.task.data})") from e
    model = task.build_model(cfg.model, from_checkpoint=True)
    try:
        model.load_state_dict(state["model"], strict=True, model_cfg=cfg.model)
    except RuntimeError as e:
        raise RuntimeError(
            f"{path}: its weights do not fit arch {cfg.model.get('_name')!r} "
            f"({_first_line(e)})"
        ) from e
    model = model.to(torch.device(device)).eval()
    return model, task, cfg
