"""The progress bar of the command-line tools (prepare, evaluate, predict): on stderr, shown
when stderr is a terminal (or with ``--progress``), silent in a pipe or a log file."""
from __future__ import annotations

import argparse
import sys
from typing import Optional


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--progress", action="store_true",
                        help="progress bar on stderr (default: when stderr is a terminal)")


def wanted(forced: bool = False) -> bool:
    return bool(forced) or sys.stderr.isatty()


def bar(total: Optional[int], unit: str, show: bool, desc: Optional[str] = None):
    """A tqdm bar (a no-op one when ``show`` is False); it leaves no line behind."""
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, disable=not show, file=sys.stderr,
                leave=False)
