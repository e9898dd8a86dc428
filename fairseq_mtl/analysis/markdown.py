"""Small helpers shared by the commands that write the markdown tables of ``thesis_results/``."""
from typing import Optional


def with_preamble(text: str, preamble_path: Optional[str]) -> str:
    """``text`` (a markdown document whose first paragraph is its title) with the contents of
    the markdown file ``preamble_path`` put right under the title: the notes on the runs that
    a table cannot say itself. ``text`` unchanged when no path is given."""
    if not preamble_path:
        return text
    with open(preamble_path) as f:
        preamble = f.read().strip()
    head, _, rest = text.partition("\n\n")
    return head + "\n\n" + preamble + "\n\n" + rest
