"""Tokenizers: text -> tokens (strings that the dictionary maps to ids). One file per tokenizer.

A tokenizer is fitted on the training text when it needs to be (sentencepiece trains its model),
tokenises every split in preparation, and is rebuilt from a manifest's ``preparation`` (and the
model bytes a checkpoint carries) so that prediction on raw text sees the same tokens as
training. ``--tokenizer``'s choices come from this registry: a new tokenizer is one new file.
"""
from fairseq_mtl.data.tokenizers.base import Tokenizer
from fairseq_mtl.registry import Registry

TOKENIZERS: Registry[Tokenizer] = Registry("tokenizer", __name__)
register_tokenizer = TOKENIZERS.register

#: names older manifests use for the word tokenizer
ALIASES = {"ptb": "words"}


def raw_text_tokenizer(preparation: dict, model_bytes: bytes = None):
    """The tokeniser that makes raw text look like a prepared benchmark's training text (from
    its manifest's ``preparation``; manifests older than the field are FDU-MTL: words). A
    tokenizer with a trained model (sentencepiece) needs the model's bytes."""
    name = preparation.get("tokenizer", "ptb")
    name = ALIASES.get(name, name)
    if name not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {name!r} in the manifest; known: "
                         f"{', '.join(TOKENIZERS.names())}")
    return TOKENIZERS[name].for_raw_text(preparation, model_bytes)


TOKENIZERS.load()
