"""Where the development data lives: a path the user can always change.

Order: an explicit flag, then ``$FAIRSEQ_MTL_DATA`` (a directory holding ``fdu-mtl/`` and
``glue/``), then ``../shared/data`` next to the project root.
"""
from __future__ import annotations

import os

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def data_root() -> str:
    return os.environ.get(
        "FAIRSEQ_MTL_DATA", os.path.join(os.path.dirname(PROJECT_ROOT), "shared", "data")
    )


def default_raw_dir(benchmark: str) -> str:
    return os.path.join(data_root(), benchmark)
