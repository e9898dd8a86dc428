"""What a benchmark format gives the preparation pipeline (fairseq_mtl/data/prepare.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from fairseq_mtl.data.text import DecodeStats


@dataclass
class Example:
    texts: List[str]  # one text, or the two of a sentence pair
    label: Optional[str]  # None on unlabeled text and test rows; a regression score as text
    line: int  # 1-based line number in its file, for error messages and provenance
    index: Optional[str] = None  # the benchmark's id of a test row (GLUE submissions)
    tokenized: bool = False  # the text is already tokenised (split on whitespace)


@dataclass
class TaskData:
    name: str
    labels: Tuple[str, ...]  # () for a regression task
    splits: Dict[str, List[Example]] = field(default_factory=dict)
    decode: Dict[str, DecodeStats] = field(default_factory=dict)
    files: Dict[str, str] = field(default_factory=dict)
    metric: str = "accuracy"  # a name of fairseq_mtl.metrics.METRICS
    label_names: Dict[str, str] = field(default_factory=dict)  # label -> what it means

    @property
    def regression(self) -> bool:
        return not self.labels


class BenchmarkFormat:
    """One benchmark's raw layout.

    Class attributes give the sub-command's defaults; ``read`` returns the tasks (and reports
    bad input to ``problems``); ``task_stats`` and ``summary`` describe the result. The
    pipeline binarises every split, writes labels for the labeled ones, ``-1`` labels and the
    row ids for the unlabeled test splits, and no labels for ``unlabeled_splits``.
    """

    name = "base"
    help = ""
    #: the directory under $FAIRSEQ_MTL_DATA (or ../shared/data) read by default
    data_dir = ""
    raw_dir_help = ""
    default_tokenizer = "words"
    default_embeddings = "none"
    #: splits of unlabeled text for the adversarial loss (no label file, not in the dictionary
    #: unless asked)
    unlabeled_splits: Sequence[str] = ()
    #: the symbol put between the two texts of a pair (kept in the dictionary); None: no pairs
    pair_separator: Optional[str] = None
    #: whether the test splits have labels (GLUE's do not: -1 labels and the row ids instead)
    labeled_test = True
    #: what the manifest adds to the decoding policy of fairseq_mtl/data/text.py
    decoding_note = ""
    #: the name of the benchmark in the manifest
    benchmark = ""

    @classmethod
    def add_arguments(cls, parser) -> None:
        """The format's own options."""

    def __init__(self, args):
        self.args = args

    def default_raw_dir(self) -> str:
        """Where the raw files are when ``--raw-dir`` is not given."""
        from fairseq_mtl.paths import default_raw_dir

        return default_raw_dir(self.data_dir)

    def read(self, raw_dir: str, names: Optional[List[str]], problems) -> List[TaskData]:
        raise NotImplementedError

    def dictionary_splits(self) -> List[str]:
        """The splits whose tokens build the dictionary."""
        return ["train"]

    def task_stats(self, task: TaskData, tokens: Dict[str, List[List[str]]], dictionary,
                   vector_words) -> Dict[str, float]:
        return {}

    def preparation(self, tasks: List[TaskData]) -> Dict[str, object]:
        """The format's own entries of the manifest's ``preparation``."""
        return {}

    def summary(self, manifest, problems) -> str:
        raise NotImplementedError
