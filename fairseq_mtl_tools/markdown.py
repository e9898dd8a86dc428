"""Small helpers shared by the commands that write the markdown tables of ``thesis_results/``."""
import os
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


def write_table(text: str, path: str, preamble_path: Optional[str] = None) -> str:
    """Put the preamble under the title, write ``path`` (making its directory) and print it."""
    text = with_preamble(text, preamble_path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    print(text)
    return text
