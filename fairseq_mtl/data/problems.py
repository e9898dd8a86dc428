"""Bad-input policy: stop with file and line, or skip and count when the user asked for it."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List


class DataError(ValueError):
    """A problem in an input file; the message starts with ``path:line:``."""


@dataclass
class Problems:
    """Collects bad-input reports.

    With ``skip=False`` (the default) the first problem raises :class:`DataError`; with
    ``skip=True`` the example is skipped and counted per file and kind, and the first few
    messages are kept for the summary. Nothing is ever dropped without being counted.
    """

    skip: bool = False
    counts: Counter = field(default_factory=Counter)
    examples: List[str] = field(default_factory=list)
    max_examples: int = 20

    def report(self, path: str, line: int | None, kind: str, message: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        text = f"{where}: {message}"
        if not self.skip:
            raise DataError(text + "  (pass --skip-bad-input to skip and count such input)")
        self.counts[(path, kind)] += 1
        if len(self.examples) < self.max_examples:
            self.examples.append(text)

    def by_kind(self) -> Dict[str, int]:
        total: Counter = Counter()
        for (_, kind), n in self.counts.items():
            total[kind] += n
        return dict(total)

    def for_file(self, path: str) -> int:
        return sum(n for (p, _), n in self.counts.items() if p == path)
