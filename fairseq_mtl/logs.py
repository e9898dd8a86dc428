"""What the tools log, and fairseq's import, which would change it.

fairseq configures logging as it is imported: its model zoo calls ``logging.basicConfig`` at
module level (``wav2vec2_classification.py`` at DEBUG, ``text_to_speech.py`` at INFO), so after
``import fairseq`` every library's DEBUG lines print, in a notebook too. :func:`root_kept`
undoes that around an import; the command-line tools then set their own format and level
(:func:`configure_command_line`): fairseq-train's line format, warnings and errors only.
"""
from __future__ import annotations

import logging
import sys
from contextlib import contextmanager

#: fairseq-train's line format, used by every command-line tool
FORMAT = "%(asctime)s | %(levelname)s | %(name)s | %(message)s"
DATEFMT = "%Y-%m-%d %H:%M:%S"


@contextmanager
def root_kept():
    """The root logger's handlers and level as they were before the block."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def import_fairseq() -> None:
    """``import fairseq`` (and its models and tasks), leaving logging as it was."""
    with root_kept():
        import fairseq.models  # noqa: F401
        import fairseq.tasks  # noqa: F401


def configure_command_line(level: int = logging.WARNING) -> None:
    """A tool's logging: ``level`` and above, on stderr, in fairseq-train's format."""
    import_fairseq()
    logging.basicConfig(format=FORMAT, datefmt=DATEFMT, level=level, stream=sys.stderr,
                        force=True)
