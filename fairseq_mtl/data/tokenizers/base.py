"""The tokenizer interface of the preparation pipeline (fairseq_mtl/data/prepare.py), and the
layout that joins an example's texts into one token sequence."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Tuple


@dataclass
class TextLayout:
    """How the tokens of an example's texts (one text or a pair) become one sequence:
    ``A pair_separator B end``, cut to ``max_length`` (separators included) when given.

    Trained from scratch: ``A <sep> B``, nothing cut here (the model's learned positions cut
    at training time). A pretrained vocabulary: BERT's ``A [SEP] B [SEP]`` or RoBERTa's
    ``A </s> </s> B </s>`` ([CLS]/<s> is the scheme's prefix vector, not a token in the data),
    cut to what the model reads: a single text keeps its first ``head`` share and the rest from
    its end (head+tail, Sun et al. 2019, "How to Fine-Tune BERT for Text Classification": 128 of
    510 tokens from the head was best on IMDb), a pair loses tokens from the end of its longer
    text first (longest-first, as Hugging Face's tokenizers cut pairs)."""

    pair_separator: List[str] = field(default_factory=lambda: ["<sep>"])
    end: List[str] = field(default_factory=list)
    max_length: Optional[int] = None
    head: float = 128 / 510  # share of a cut single text taken from its start

    def __call__(self, parts: List[List[str]]) -> Tuple[List[str], bool]:
        """-> (tokens, whether anything was cut)."""
        cut = False
        if self.max_length is not None:
            budget = self.max_length - len(self.end) - len(self.pair_separator) * (len(parts) - 1)
            if budget < len(parts):
                raise ValueError(f"max length {self.max_length} leaves no room for the text")
            if sum(len(p) for p in parts) > budget:
                cut = True
                parts = fit(parts, budget, self.head)
        tokens = list(parts[0])
        for part in parts[1:]:
            tokens += self.pair_separator + part
        return tokens + self.end, cut

    def to_dict(self) -> dict:
        return asdict(self)


def fit(parts: List[List[str]], budget: int, head: float) -> List[List[str]]:
    """Cut ``parts`` to ``budget`` tokens in all (see :class:`TextLayout`)."""
    if len(parts) == 1:
        text = parts[0]
        keep_head = int(round(budget * head))
        return [text[:keep_head] + text[len(text) - (budget - keep_head):]]
    lengths = [len(p) for p in parts]
    while sum(lengths) > budget:  # longest first; a tie takes from the first text
        i = max(range(len(lengths)), key=lambda j: (lengths[j], -j))
        lengths[i] -= 1
    return [p[:n] for p, n in zip(parts, lengths)]


class Tokenizer:
    """Text -> tokens.

    ``fit`` sees every training text before anything is tokenised (a tokenizer with a model
    trains it there and writes it under the output directory); ``__call__`` tokenises one text
    (``tokenized``: the text is already tokenised, as FDU-MTL's labeled lines are); ``layout``
    joins an example's texts; ``preparation`` is what the manifest records so that
    :meth:`for_raw_text` can rebuild the tokenizer from it and from the files named in its
    ``tokenizer_files`` (which a checkpoint carries).
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

    def layout(self, pair_separator: Optional[str]) -> TextLayout:
        return TextLayout(pair_separator=[pair_separator] if pair_separator else [])

    def dictionary(self):
        """A fixed dictionary (a pretrained model's vocabulary), or None: build one from the
        training tokens."""
        return None

    def preparation(self) -> Dict[str, object]:
        return {"tokenizer": self.name}

    @classmethod
    def for_raw_text(cls, preparation: dict,
                     files: Dict[str, bytes]) -> Callable[[str], List[str]]:
        raise NotImplementedError
