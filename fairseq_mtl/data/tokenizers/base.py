"""The tokenizer interface of the preparation pipeline (fairseq_mtl/data/prepare.py)."""
from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Optional


class Tokenizer:
    """Text -> tokens.

    ``fit`` sees every training text before anything is tokenised (a tokenizer with a model
    trains it there and writes it under the output directory); ``__call__`` tokenises one text
    (``tokenized``: the text is already tokenised, as FDU-MTL's labeled lines are);
    ``preparation`` is what the manifest records so that :meth:`for_raw_text` can rebuild it.
    """

    name = "base"
    summary = ""
    #: whether a token is a word (so that pretrained word vectors fit)
    word_level = False

    @classmethod
    def add_arguments(cls, parser) -> None:
        """Options of this tokenizer (on every benchmark's ``fairseq-mtl-prepare`` parser)."""

    def __init__(self, args):
        self.args = args

    def fit(self, texts: Iterable[str], out_dir: str) -> None:
        pass

    def __call__(self, text: str, tokenized: bool = False) -> List[str]:
        raise NotImplementedError

    def preparation(self) -> Dict[str, object]:
        return {"tokenizer": self.name}

    @classmethod
    def for_raw_text(cls, preparation: dict,
                     model_bytes: Optional[bytes] = None) -> Callable[[str], List[str]]:
        raise NotImplementedError
