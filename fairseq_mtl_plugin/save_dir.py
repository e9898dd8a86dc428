"""One run per save directory, nothing written with ``--no-save``, and checkpoint writes that
fail in one line: the save directory as fairseq 0.12 leaves it, made safe.

fairseq 0.12 lets two ``fairseq-train`` runs share a ``--save-dir``: started together they write
the same ``checkpoint_last.pt.tmp`` and overwrite each other's checkpoints; started a few seconds
apart, the second one (another seed, say) resumes the first one's ``checkpoint_last.pt`` without
a word. ``--no-save`` still creates ``./checkpoints`` and resumes from a checkpoint found there.
A checkpoint write that fails (a full disk) is retried twice with a traceback each time, and
leaves its ``.tmp`` file behind. Installed at plugin import (``install_save_dir_guard``):

* **A lock in the save directory.** The first process of a run (rank 0) holds an exclusive
  ``flock`` on ``SAVE_DIR/.fairseq-mtl.lock`` for as long as it lives, and writes into the file
  who holds it (process, host, start time, command). A second run stops at once with one line
  naming the holder. The operating system drops the lock when its process dies (``kill -9``
  included), so a lock left by a dead run is taken over, and the log says so; a run that ends
  normally empties the record, so a resume after it says nothing. A ``flock`` belongs to the
  open file, which ``fork`` shares: the processes a run forks (its data-loader workers) close
  their copy at once, else they would hold the lock for the seconds they outlive a killed run
  and refuse its immediate resume.
* **--no-save**: no save directory is created or locked, and no ``checkpoint_last.pt`` is
  looked for there (an explicit ``--restore-file`` is still loaded: that is what was asked).
* **Writes**: a checkpoint is written to a name of this process (``NAME.PID.tmp``) and renamed
  into place; a failed write removes it and ends the run with one line naming the file (the
  checkpoints written before are intact, as the rename is the only step that replaces one).
"""
from __future__ import annotations

import copy
import errno
import functools
import logging
import os
import re
import socket
import sys
import time

from fairseq_mtl.checkpoint import OneLineError

logger = logging.getLogger("fairseq_mtl_plugin.save_dir")

LOCK_NAME = ".fairseq-mtl.lock"
#: where --no-save sends fairseq's look for checkpoint_last.pt: a path that never exists
NO_SAVE_DIR = "<--no-save: no checkpoint is read or written>"

_held = {}  # real path of a lock file -> its open descriptor (held until the process ends)
_fork_hook = []  # [True] once the forked processes' release (below) is registered
_run = {"no_save": False}  # of the run in this process (set by run_guarded)


class SaveDirError(OneLineError, OSError):
    """A save directory that cannot be used: in use by another run, or not writable."""


def lock_save_dir(save_dir: str) -> None:
    """Hold the save directory's lock for the rest of this process, or raise
    :class:`SaveDirError` naming the run that holds it."""
    import fcntl

    path = os.path.join(save_dir, LOCK_NAME)
    real = os.path.realpath(path)
    if real in _held:
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise SaveDirError(f"--save-dir {save_dir}: cannot write there "
                           f"({e.strerror or e})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        os.close(fd)
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise SaveDirError(
                f"--save-dir {save_dir} is in use by another run ({holder or 'unknown'}"
                f"{_ended_note(holder)}); its checkpoints would be overwritten or resumed: give "
                f"this run its own --save-dir, or wait for that one to end") from None
        # a file system without locks (some network mounts): say so, and go on unlocked
        logger.warning(f"--save-dir {save_dir}: cannot lock it ({e.strerror}); make sure no "
                       f"other run writes there")
        return
    earlier = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    if earlier:
        logger.info(f"--save-dir {save_dir}: took over the lock of an earlier run that is no "
                    f"longer running ({earlier})")
    command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))
    record = (f"process {os.getpid()} on {socket.gethostname()}, started "
              f"{time.strftime('%Y-%m-%d %H:%M:%S')}: {command[:300]}\n")
    os.ftruncate(fd, 0)
    os.pwrite(fd, record.encode("utf-8"), 0)
    _held[real] = fd
    if not _fork_hook:
        os.register_at_fork(after_in_child=_close_in_forked_child)
        _fork_hook.append(True)


def _close_in_forked_child() -> None:
    """In a process this one forks: let go of the inherited lock descriptors (the lock stays
    with the parent, which still holds the open file; closing a copy does not unlock it)."""
    for fd in _held.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


def _ended_note(holder: str) -> str:
    """A holder record naming a process of this machine that has ended: the lock is then held
    by something that process left running (a child it forked), which ends soon."""
    match = re.match(r"process (\d+) on (\S+),", holder)
    if not match or match.group(2) != socket.gethostname():
        return ""
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return "; that process has ended, and a process it started still holds the lock: retry " \
               "in a few seconds"
    except OSError:
        pass
    return ""


def verify_checkpoint_directory(save_dir: str) -> None:
    """fairseq's check of the save directory (rank 0, before anything is loaded), replaced:
    nothing with ``--no-save``; otherwise create it and take its lock (the lock file doubles
    as the write test; fairseq's own test wrote a ``dummy`` file that two runs shared)."""
    if _run["no_save"]:
        return
    try:
        os.makedirs(save_dir, exist_ok=True)
    except OSError as e:
        raise SaveDirError(f"--save-dir {save_dir}: cannot create it "
                           f"({e.strerror or e})") from None
    lock_save_dir(save_dir)


def _load_checkpoint(original):
    def load_checkpoint(cfg, trainer, **kwargs):
        if cfg.no_save and cfg.restore_file == "checkpoint_last.pt":
            from omegaconf import open_dict

            cfg = copy.deepcopy(cfg)
            with open_dict(cfg):
                cfg.save_dir = NO_SAVE_DIR
        return original(cfg, trainer, **kwargs)

    load_checkpoint.fairseq_mtl_save_dir = True
    return load_checkpoint


def _save_checkpoint(original):
    def save_checkpoint(cfg, trainer, epoch_itr, val_loss):
        if not cfg.no_save:
            return original(cfg, trainer, epoch_itr, val_loss)
        # fairseq's own function creates the save directory before it looks at --no-save; of
        # what it does then, only the best value so far matters (fairseq keeps it on the
        # function that the module calls save_checkpoint, which is this one)
        if val_loss is not None:
            better = max if cfg.maximize_best_checkpoint_metric else min
            save_checkpoint.best = better(val_loss, getattr(save_checkpoint, "best", val_loss))
        return None

    return save_checkpoint


def _persistent_save(original):
    def torch_persistent_save(obj, filename, async_write: bool = False):
        import torch
        from fairseq.file_io import PathManager

        if async_write or not PathManager.supports_rename(filename) or \
                PathManager.path_requires_pathmanager(filename):
            return original(obj, filename, async_write)
        tmp = f"{filename}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as f:
                torch.save(obj, f)
            os.replace(tmp, filename)
        except OSError as e:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise SaveDirError(f"{filename}: cannot write checkpoint ({e.strerror or e}); the "
                               f"checkpoints written before it are intact") from None
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    torch_persistent_save.fairseq_mtl_save_dir = True
    return torch_persistent_save


def run_guarded(main, cfg, **kwargs):
    """fairseq's ``main(cfg)`` with this process told whether the run saves (in every process
    of a data-parallel run: fairseq hands this function to each worker)."""
    _run["no_save"] = bool(cfg.checkpoint.no_save)
    if getattr(main, "__module__", "") == "fairseq_cli.train":  # (not fairseq-validate)
        from fairseq_mtl_plugin import console

        console.configure(bool(cfg.task.get("verbose", False)), cfg.checkpoint.save_dir,
                          cfg.checkpoint.no_save)
    result = main(cfg, **kwargs)
    release_save_dirs()
    return result


def release_save_dirs() -> None:
    """A run that ended normally empties its lock record, so that the next run in the save
    directory (a resume) does not read it as one that died (the lock itself goes with the
    process, as always)."""
    for real, fd in list(_held.items()):
        os.ftruncate(fd, 0)
        os.close(fd)
        del _held[real]


def install_save_dir_guard() -> None:
    import fairseq.distributed.utils as distributed_utils
    from fairseq import checkpoint_utils

    if getattr(checkpoint_utils.load_checkpoint, "fairseq_mtl_save_dir", False):
        return
    checkpoint_utils.verify_checkpoint_directory = verify_checkpoint_directory
    checkpoint_utils.load_checkpoint = _load_checkpoint(checkpoint_utils.load_checkpoint)
    checkpoint_utils.save_checkpoint = _save_checkpoint(checkpoint_utils.save_checkpoint)
    checkpoint_utils.torch_persistent_save = _persistent_save(
        checkpoint_utils.torch_persistent_save)
    original = distributed_utils.call_main

    def call_main(cfg, main, **kwargs):
        # a partial of module-level functions: it pickles into spawned workers
        return original(cfg, functools.partial(run_guarded, main), **kwargs)

    distributed_utils.call_main = call_main
