"""What every pretrained format gives: the encoder's shape, its weights under the names of
:class:`fairseq_mtl.modules.transformer_encoder.TransformerStack`, its vocabulary, and its
tokenizer (rebuilt from the bytes of its files, so that a fairseq-mtl checkpoint carries it)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence

import torch

from fairseq_mtl.checkpoint import OneLineError


class PretrainedError(OneLineError, ValueError):
    """A pretrained model that cannot be used: one line naming the file and what is wrong."""


@dataclass
class EncoderSpec:
    """The shape of a pretrained encoder: enough to build it without its files."""

    format: str
    vocab_size: int
    dim: int
    layers: int
    heads: int
    ffn_dim: int
    max_positions: int  # rows of the position table
    position_offset: int = 0  # position id of the first position (fairseq RoBERTa: 2)
    type_vocab_size: int = 0  # token-type (segment) vectors; 0 = none (RoBERTa)
    layer_norm_eps: float = 1e-12
    activation: str = "gelu"
    dropout: float = 0.1
    attention_dropout: float = 0.1

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "EncoderSpec":
        return cls(**json.loads(text))

    @property
    def max_words(self) -> int:
        """Tokens after [CLS] (the separators included) that the position table holds."""
        return self.max_positions - self.position_offset - 1


@dataclass
class Specials:
    """The vocabulary's special symbols: ``cls`` starts a sequence, ``sep`` ends each text,
    ``pair_sep`` is what goes between the two texts of a pair (BERT: [SEP]; RoBERTa: </s> </s>)."""

    pad: str
    unk: str
    cls: str
    sep: str
    pair_sep: List[str] = field(default_factory=list)


@dataclass
class PretrainedEncoder:
    path: str
    spec: EncoderSpec
    symbols: List[str]  # the vocabulary, in id order
    specials: Specials
    tokenizer_files: Dict[str, bytes]  # what the tokenizer is rebuilt from
    #: TransformerStack state (positions, embed_norm, layers.*) + "word_embeddings.weight" and
    #: "token_type_embeddings.weight"; None when loaded without weights
    weights: Optional[Dict[str, torch.Tensor]] = None

    @property
    def format(self) -> str:
        return self.spec.format

    def vocabulary_digest(self) -> str:
        return vocabulary_digest(self.symbols)

    def description(self) -> Dict[str, object]:
        """What a prepared data directory's manifest records about the model it was prepared
        for (its path, shape and vocabulary), to check a training run's model against."""
        return {"path": self.path, "format": self.format, "spec": json.loads(self.spec.to_json()),
                "vocabulary_size": len(self.symbols),
                "vocabulary_sha256": self.vocabulary_digest(),
                "specials": asdict(self.specials)}


def safe_load(file: str, allowed: Sequence[type] = ()) -> dict:
    """``torch.load`` through the weights-only unpickler (plus the ``allowed`` classes); a file
    that cannot be read is one :class:`PretrainedError` naming it and why."""
    from fairseq_mtl.checkpoint import CheckpointLoadError, safe_torch_load

    try:
        return safe_torch_load(file, "checkpoint", allowed)
    except (CheckpointLoadError, FileNotFoundError) as e:
        raise PretrainedError(str(e)) from None


def vocabulary_digest(symbols: List[str]) -> str:
    return hashlib.sha256("\n".join(symbols).encode("utf-8")).hexdigest()


class PretrainedFormat:
    """One checkpoint layout: ``recognises(path)`` and ``load(path, weights)``; the tokenizer of
    the format is rebuilt by ``tokenizer(files, specials)``."""

    name = "base"
    summary = ""

    @classmethod
    def recognises(cls, path: str) -> bool:
        raise NotImplementedError

    @classmethod
    def load(cls, path: str, weights: bool = True) -> PretrainedEncoder:
        raise NotImplementedError

    @classmethod
    def tokenizer(cls, files: Dict[str, bytes]):
        """-> callable(text) -> the vocabulary's tokens (no special tokens)."""
        raise NotImplementedError


def stack_state(layers: List[Dict[str, torch.Tensor]], positions, embed_norm_weight,
                embed_norm_bias) -> Dict[str, torch.Tensor]:
    """TransformerStack's state from per-layer tensors named q, k, v (weight/bias), out, attn_norm,
    fc1, fc2, ffn_norm: query, key and value are stacked into the fused projection."""
    state = {"positions.weight": positions, "embed_norm.weight": embed_norm_weight,
             "embed_norm.bias": embed_norm_bias}
    for i, t in enumerate(layers):
        p = f"layers.{i}."
        state[p + "qkv.weight"] = torch.cat([t["q.weight"], t["k.weight"], t["v.weight"]])
        state[p + "qkv.bias"] = torch.cat([t["q.bias"], t["k.bias"], t["v.bias"]])
        for ours in ("out_proj", "attn_norm", "fc1", "fc2", "ffn_norm"):
            state[p + ours + ".weight"] = t[ours + ".weight"]
            state[p + ours + ".bias"] = t[ours + ".bias"]
    return state
