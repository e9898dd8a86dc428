"""Tokenizers: text -> tokens (strings that the dictionary maps to ids). One file per tokenizer.

A tokenizer is fitted on the training text when it needs to be (sentencepiece trains its model),
tokenises every split in preparation, and is rebuilt from a manifest's ``preparation`` (and the
model bytes a checkpoint carries) so that prediction on raw text sees the same tokens as
training. ``--tokenizer``'s choices come from this registry: a new tokenizer is one new file.
"""
from typing import Dict, List, Optional

from fairseq_mtl.data.tokenizers.base import TextLayout, Tokenizer
from fairseq_mtl.registry import Registry

TOKENIZERS: Registry[Tokenizer] = Registry("tokenizer", __name__)
register_tokenizer = TOKENIZERS.register

#: names older manifests use for the word tokenizer
ALIASES = {"ptb": "words"}


def raw_text_tokenizer(preparation: dict, files: Optional[Dict[str, bytes]] = None,
                       pretokenized: bool = False):
    """The tokeniser that makes raw text look like a prepared benchmark's training text (from
    its manifest's ``preparation``; manifests older than the field are FDU-MTL: words). A
    tokenizer with model files (sentencepiece, a pretrained model's) needs their bytes, as the
    task reads them from the data directory or a checkpoint carries them.

    ``pretokenized``: the text is already tokenised the way the benchmark's labeled text was
    (FDU-MTL's lines: the manifest's ``pretokenized`` rule, whitespace and lower case), and gets
    exactly the tokens preparation gave those lines."""
    if pretokenized:
        from fairseq_mtl.data.text import whitespace_tokenize

        name = preparation.get("tokenizer", "ptb")
        # (an FDU-MTL manifest written before the rule was recorded has its dev_size)
        recorded = ("pretokenized" in preparation or "dev_size" in preparation
                    or "tokenizer" not in preparation)
        if ALIASES.get(name, name) != "words" or not recorded:
            raise ValueError("this model's training text was not given pre-tokenised (it was "
                             f"tokenised by {name!r} at preparation): give raw text, without "
                             "--pretokenized")
        return whitespace_tokenize
    name = preparation.get("tokenizer", "ptb")
    name = ALIASES.get(name, name)
    if name not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {name!r} in the manifest; known: "
                         f"{', '.join(TOKENIZERS.names())}")
    return TOKENIZERS[name].for_raw_text(preparation, files or {})


def raw_text_layout(preparation: dict) -> TextLayout:
    """The layout the data was prepared with (older manifests: ``A <sep> B``, nothing cut)."""
    if "layout" in preparation:
        return TextLayout(**preparation["layout"])
    return TextLayout(pair_separator=[preparation.get("pair_separator", "<sep>")])


def tokenizer_file_names(preparation: dict) -> List[str]:
    """The files of the data directory that the tokenizer is rebuilt from."""
    if "tokenizer_files" in preparation:
        return list(preparation["tokenizer_files"])
    return [preparation["spm_model"]] if preparation.get("spm_model") else []


TOKENIZERS.load()
