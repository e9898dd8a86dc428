"""What ``fairseq-train`` prints, on the command line: compact by default, everything in a file.

fairseq prints the whole config at start-up (~7,000 characters on one line), the whole model,
and every logged value on every training and dev line: with 16 tasks, each task's loss, count
and metric (FDU-MTL: 1,167 characters a dev line; 249 here). By default (the command-line path only,
:func:`fairseq_mtl_plugin.patches.on_command_line`):

* the config line becomes the command as it was typed, and the model's print-out is left out
  (the parameter counts have their own line);
* training and dev lines keep the run-level values (loss, ``avg_acc``/``avg_score``, the
  adversary's, learning rate, speed, updates) and name the weakest task (``weakest books
  81.5``, lowest accuracy); the per-task values (``books/acc`` ...) are left out;
* every line's values, per-task ones included, go to ``SAVE_DIR/metrics.jsonl`` (one JSON
  object per line: ``tag`` train_inner/train/valid, ``epoch``, ``step`` and the values), and to
  TensorBoard with ``--tensorboard-logdir`` as before.

``--verbose`` (an option of the task) prints fairseq's full lines, as the recipes do: their
tables read the per-task values from the training log. ``--log-format json`` is fairseq's own
and prints everything.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from collections import OrderedDict
from typing import Optional

#: the mode of this process (rank 0 writes the file): fairseq's full lines until a training
#: run says otherwise (fairseq-validate prints every task's values, as fairseq does)
STATE = {"verbose": True, "jsonl": None}
METRICS_FILE = "metrics.jsonl"


def configure(verbose: bool, save_dir: Optional[str], no_save: bool = False) -> None:
    """Called by the task when it is set up: the console's mode and the metrics file."""
    STATE["verbose"] = bool(verbose)
    STATE["jsonl"] = (os.path.join(save_dir, METRICS_FILE)
                      if save_dir and not no_save and _rank() == 0 else None)


def _rank() -> int:
    import torch.distributed as dist

    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def compact(stats):
    """The run-level values of ``stats`` (no ``task/...`` key), and ``weakest``: the task with
    the lowest accuracy, after the averages."""
    out = OrderedDict()
    accuracies = {k[:-len("/acc")]: v for k, v in stats.items() if k.endswith("/acc")}
    for key, value in stats.items():
        if "/" in key:
            continue
        out[key] = value
        if key in ("avg_score", "avg_acc") and len(accuracies) > 1 and "weakest" not in out:
            task = min(accuracies, key=lambda t: _number(accuracies[t]))
            out["weakest"] = f"{task} {_number(accuracies[task]):g}"
    return out


def _number(value) -> float:
    """A logged value as a number (fairseq formats numbers as strings: '{:g}')."""
    from fairseq.logging.progress_bar import format_stat

    try:
        return float(format_stat(value))
    except (TypeError, ValueError):
        return float("nan")


def _plain(value):
    """A logged value for JSON: a number where it is one."""
    number = _number(value)
    if number == number:  # not NaN
        return int(number) if number.is_integer() and "." not in str(value) else number
    return str(value)


def record(stats, tag, step, epoch) -> None:
    """Append one line of values to the metrics file (when there is one)."""
    path = STATE["jsonl"]
    if path is None:
        return
    row = {"tag": tag, "epoch": epoch, "step": step}
    row.update((k, _plain(v)) for k, v in stats.items())
    try:
        with open(path, "a") as f:
            f.write(json.dumps(row) + "\n")
    except OSError as e:  # the save directory's own checks say the rest
        logging.getLogger(__name__).warning(f"{path}: cannot write ({e.strerror})")
        STATE["jsonl"] = None


def _wrap(method):
    def wrapped(self, stats, tag=None, step=None):
        record(stats, tag, step, getattr(self, "epoch", None))
        return method(self, stats if STATE["verbose"] else compact(stats), tag, step)

    wrapped.fairseq_mtl_console = True
    return wrapped


class _StartupLines(logging.Filter):
    """fairseq_cli.train's config and model print-outs, unless --verbose."""

    def filter(self, record) -> bool:
        from omegaconf import OmegaConf

        msg = record.msg
        if OmegaConf.is_config(msg) and "task" in msg:
            if getattr(msg.task, "verbose", False):
                return True
            program = os.path.basename(sys.argv[0]) if sys.argv else "fairseq-train"
            record.msg = "command: " + " ".join([program] + sys.argv[1:])
            record.args = ()
        elif type(msg).__module__.startswith("fairseq_mtl_plugin.models") and \
                not STATE["verbose"]:
            return False  # the model: its parameter counts are logged by the model
        return True


def install() -> None:
    from fairseq.logging import progress_bar

    for cls in (progress_bar.SimpleProgressBar, progress_bar.TqdmProgressBar):
        for name in ("log", "print"):
            method = getattr(cls, name)
            if not getattr(method, "fairseq_mtl_console", False):
                setattr(cls, name, _wrap(method))
    train_logger = logging.getLogger("fairseq_cli.train")
    if not any(isinstance(f, _StartupLines) for f in train_logger.filters):
        train_logger.addFilter(_StartupLines())
