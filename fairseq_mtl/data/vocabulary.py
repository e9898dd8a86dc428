"""The dictionary of a prepared data directory: fairseq's ``dict.txt`` (built from the training
text), or a pretrained model's fixed vocabulary (``vocabulary.json``), whose ids are the model's
own and whose special symbols ([PAD], [UNK], [CLS], [SEP] or RoBERTa's <pad> <unk> <s> </s>) sit
where the model put them, not at fairseq's indices 0-3."""
from __future__ import annotations

import json
import os
from typing import Dict, List

VOCABULARY_FILE = "vocabulary.json"


def fixed_dictionary(symbols: List[str], specials: Dict[str, str]):
    """A fairseq ``Dictionary`` holding exactly ``symbols`` (id i = symbols[i]) with the given
    ``pad``, ``unk``, ``cls`` (fairseq's bos) and ``sep`` (eos) symbols."""
    from fairseq.data import Dictionary

    d = Dictionary()
    d.symbols = list(symbols)
    d.count = [1] * len(d.symbols)
    d.indices = {s: i for i, s in enumerate(d.symbols)}
    if len(d.indices) != len(d.symbols):
        raise ValueError("a pretrained vocabulary with a symbol twice")
    d.nspecial = 0
    d.bos_word, d.pad_word, d.eos_word, d.unk_word = (
        specials["cls"], specials["pad"], specials["sep"], specials["unk"])
    d.bos_index, d.pad_index, d.eos_index, d.unk_index = (
        d.indices[d.bos_word], d.indices[d.pad_word], d.indices[d.eos_word], d.indices[d.unk_word])
    d.specials = dict(specials)  # what a checkpoint records to rebuild it
    return d


def save_fixed(directory: str, symbols: List[str], specials: Dict[str, str]) -> str:
    with open(os.path.join(directory, VOCABULARY_FILE), "w", encoding="utf-8") as f:
        json.dump({"symbols": list(symbols), "specials": dict(specials)}, f, ensure_ascii=False)
    return VOCABULARY_FILE


def load_dictionary(directory: str, name: str):
    """The dictionary file ``name`` of a prepared directory (the manifest's ``dictionary``)."""
    path = os.path.join(directory, name)
    if name == VOCABULARY_FILE:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        return fixed_dictionary(raw["symbols"], raw["specials"])
    from fairseq.data import Dictionary

    return Dictionary.load(path)


def dictionary_state(d) -> dict:
    """What a checkpoint saves of a dictionary (see :func:`dictionary_from_state`)."""
    state = {"symbols": list(d.symbols), "count": [int(c) for c in d.count]}
    if getattr(d, "specials", None):
        state["specials"] = dict(d.specials)
    return state


def dictionary_from_state(state: dict):
    if state.get("specials"):
        return fixed_dictionary(state["symbols"], state["specials"])
    from fairseq.data import Dictionary

    d = Dictionary()
    d.symbols = list(state["symbols"])
    d.count = list(state["count"])
    d.indices = {s: i for i, s in enumerate(d.symbols)}
    d.bos_index = d.indices[d.bos_word]
    d.pad_index = d.indices[d.pad_word]
    d.eos_index = d.indices[d.eos_word]
    d.unk_index = d.indices[d.unk_word]
    return d
