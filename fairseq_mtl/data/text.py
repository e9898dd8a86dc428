"""Line reading, decoding and tokenisation shared by every raw-data reader.

Decoding policy (documented in README "Data preparation"): every line is decoded on its own,
first as UTF-8; a line that is not valid UTF-8 is decoded as Windows-1252 (the encoding of the
MR files and of the stray bytes in dvd/video/unlabel files), and a line that is not valid
Windows-1252 either (it has one of the five bytes cp1252 leaves undefined) as Latin-1, which
cannot fail. Each fallback is counted, so the summary says how many lines needed it.

Lines are split on b"\\n" only: the imdb files contain U+0085 (NEL), on which
``str.splitlines()`` would split a review in two. A UTF-8 byte-order mark at the start of a file
(Windows editors write one) is dropped, for every format alike: it is not part of the first
line's label or text.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator, List, Tuple

FALLBACK_ENCODINGS = ("cp1252", "latin-1")
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class DecodeStats:
    """How many lines of one file needed which decoding."""

    lines: int = 0
    fallbacks: Counter = field(default_factory=Counter)

    @property
    def n_fallback(self) -> int:
        return sum(self.fallbacks.values())


def decode_line(raw: bytes) -> Tuple[str, str]:
    """Decode one line; returns ``(text, encoding_used)``."""
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for encoding in FALLBACK_ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decoding cannot fail")  # pragma: no cover


def read_lines(path: str, stats: DecodeStats | None = None) -> Iterator[Tuple[int, str]]:
    """Yield ``(line_number, text)`` (1-based) for every line of ``path``.

    A final empty line after the last b"\\n" is not a line; a trailing "\\r" is removed, and so
    is a UTF-8 byte-order mark at the start of the file.
    """
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    for number, raw in enumerate(raw_lines, start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        text, encoding = decode_line(raw)
        if stats is not None:
            stats.lines += 1
            if encoding != "utf-8":
                stats.fallbacks[encoding] += 1
        yield number, text


# A Penn-Treebank-style tokeniser, close to what the Stanford tokenizer produced for the
# labeled FDU-MTL files ("larkin 's", "do n't", "`` the book ''", "mr. larkin", "end ."). It is
# used on the raw `.unlabel` reviews so that they share the labeled text's vocabulary.
_ABBREVIATIONS = frozenset(
    "mr. mrs. ms. dr. st. jr. sr. vs. etc. inc. co. ltd. no. vol. p. pp. e.g. i.e.".split()
)
_INITIALS = re.compile(r"^(?:[a-z]\.)+$")
_CONTRACTIONS = frozenset(["'s", "'m", "'d", "'ll", "'re", "'ve", "n't"])
_PRE_RULES: List[Tuple[re.Pattern, str]] = [
    (re.compile(r'(^|[\s(\[{<])"'), r"\1 `` "),
    (re.compile(r'"'), " '' "),
    (re.compile(r"\.\.\.+"), " ... "),
    (re.compile(r"--+"), " -- "),
    (re.compile(r"([,;:@#$%&!?()\[\]{}<>*])"), r" \1 "),
    (re.compile(r"([a-z])n't\b"), r"\1 n't"),
    (re.compile(r"([a-z0-9])'(s|m|d|ll|re|ve)\b"), r"\1 '\2"),
]


def _split_token(token: str) -> List[str]:
    if token in ("...", "``", "''", "--") or token in _CONTRACTIONS:
        return [token]
    head: List[str] = []
    tail: List[str] = []
    if token.startswith("'") and len(token) > 1:
        head.append("`")
        token = token[1:]
    while token.endswith("'") and len(token) > 1:
        tail.insert(0, "'")
        token = token[:-1]
    if (
        token.endswith(".")
        and len(token) > 1
        and token not in _ABBREVIATIONS
        and not _INITIALS.match(token)
    ):
        tail.insert(0, ".")
        token = token[:-1]
    return head + [token] + tail


def ptb_tokenize(text: str) -> List[str]:
    """Lowercase and tokenise raw text in the style of the labeled FDU-MTL files."""
    text = text.lower()
    for pattern, replacement in _PRE_RULES:
        text = pattern.sub(replacement, text)
    tokens: List[str] = []
    for token in text.split():
        if "'" in token or token.endswith("."):
            tokens.extend(_split_token(token))
        else:  # most tokens: _split_token would return [token]
            tokens.append(token)
    return tokens


def whitespace_tokenize(text: str) -> List[str]:
    """Lowercase and split already-tokenised text (the labeled FDU-MTL files)."""
    return text.lower().split()
