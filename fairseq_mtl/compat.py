"""What fairseq-mtl needs from its environment, checked once at plugin import.

* ``check_fairseq``: fairseq 0.12.x must be importable; otherwise one line says what to install.
* ``install_checkpoint_allowlist``: torch >= 2.6 loads checkpoints with ``weights_only=True``
  by default, and fairseq's ``torch.load`` calls rely on the old default. Instead of turning
  safe loading off, we allow-list exactly the non-tensor classes a fairseq checkpoint of this
  project contains (found with ``torch.serialization.get_unsafe_globals_in_checkpoint`` on
  real checkpoints; tests/test_checkpoint.py re-checks it). Anything else, a pickle that would
  run code above all, is still refused by torch's safe loader.
* ``install_atomic_checkpoint_copy``: fairseq writes a checkpoint atomically (to ``.tmp``, then
  renames) but then COPIES it over the other names (``checkpoint_best.pt`` -> ``checkpoint_last.pt``)
  in place; a full disk during that copy would leave a truncated ``checkpoint_last.pt`` and no
  good one. The copy goes through a temporary file and a rename as well.
"""
from __future__ import annotations

import argparse
import collections
import os
import shutil

INSTALL_HINT = (
    "fairseq-mtl needs fairseq 0.12.x: pip install --no-deps ve-fairseq==0.12.3 "
    "(see README.md; `make venv` does it)"
)


def check_fairseq() -> None:
    try:
        import fairseq
    except ImportError as e:
        raise ImportError(f"fairseq is not installed. {INSTALL_HINT}") from e
    version = getattr(fairseq, "__version__", "unknown")
    if not version.startswith("0.12."):
        raise ImportError(f"found fairseq {version}, of the wrong kind. {INSTALL_HINT}")


def checkpoint_allowlist():
    """The classes (besides tensors and plain containers) that fairseq checkpoints hold."""
    import numpy as np

    allowed = [argparse.Namespace, collections.OrderedDict, collections.defaultdict]
    # numpy scalars and dtypes appear in fairseq's saved meters/metrics
    allowed += [np.dtype, type(np.dtype(np.float64)), type(np.dtype(np.float32)),
                type(np.dtype(np.int64))]
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import scalar
    allowed.append(scalar)
    return allowed


def install_checkpoint_allowlist() -> None:
    import torch.serialization

    if hasattr(torch.serialization, "add_safe_globals"):
        torch.serialization.add_safe_globals(checkpoint_allowlist())


def _atomic_copy(original):
    def copy(src_path: str, dst_path: str, overwrite: bool = False) -> bool:
        from fairseq.file_io import PathManager

        if PathManager.path_requires_pathmanager(dst_path):  # a remote store: fairseq's way
            return original(src_path, dst_path, overwrite)
        if not overwrite and os.path.exists(dst_path):
            return False
        tmp = dst_path + ".tmp"
        try:
            shutil.copyfile(src_path, tmp)
            os.replace(tmp, dst_path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return True

    copy.fairseq_mtl_atomic = True
    return copy


def install_atomic_checkpoint_copy() -> None:
    from fairseq.file_io import PathManager

    if not getattr(PathManager.copy, "fairseq_mtl_atomic", False):
        PathManager.copy = staticmethod(_atomic_copy(PathManager.copy))
