"""fairseq RoBERTa checkpoints (Liu et al. 2019; fairseq's ``roberta.base``/``roberta.large``):
``model.pt`` with ``dict.txt`` beside it, and the GPT-2 BPE files ``encoder.json`` and
``vocab.bpe`` (the ones fairseq's ``gpt2`` bpe reads) in the same directory. ``model.pt`` is read
with torch's weights-only loader.

The layout, as fairseq builds it: post-LN layers with GELU, LayerNorm eps 1e-5, a LayerNorm over
word + position vectors, no token types, learned positions numbered from ``padding_idx + 1`` = 2
(so the table has max_positions + 2 rows), ``<s>`` in [CLS]'s place, each text followed by
``</s>`` and a pair written ``<s> A </s> </s> B </s>``. The masked-LM head is not used.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re

from fairseq_mtl.pretrained import register_format
from fairseq_mtl.pretrained.base import (EncoderSpec, PretrainedEncoder, PretrainedError,
                                         PretrainedFormat, Specials, safe_load, stack_state)

BPE_FILES = ("encoder.json", "vocab.bpe")
LAYER_NAMES = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj",
               "out_proj": "self_attn.out_proj", "attn_norm": "self_attn_layer_norm",
               "fc1": "fc1", "fc2": "fc2", "ffn_norm": "final_layer_norm"}


def checkpoint_file(path: str) -> str:
    return os.path.join(path, "model.pt") if os.path.isdir(path) else path


@register_format("roberta")
class RobertaFormat(PretrainedFormat):
    summary = "fairseq RoBERTa checkpoint (model.pt + dict.txt, GPT-2 BPE files beside it)"

    @classmethod
    def recognises(cls, path):
        file = checkpoint_file(path)
        return os.path.isfile(file) and file.endswith(".pt")

    @classmethod
    def load(cls, path, weights=True):
        file = checkpoint_file(path)
        directory = os.path.dirname(os.path.abspath(file))
        state = read_checkpoint(file)
        model = state.get("model") or {}
        prefix = next((p for p in ("encoder.sentence_encoder.", "decoder.sentence_encoder.")
                       if p + "embed_tokens.weight" in model), None)
        if prefix is None:
            raise PretrainedError(f"{file}: no RoBERTa encoder in it (no "
                                  "encoder.sentence_encoder.embed_tokens.weight)")
        cfg = model_config(state, file)
        if cfg.get("encoder_normalize_before"):
            raise PretrainedError(f"{file}: a pre-LN encoder (encoder_normalize_before); only "
                                  "RoBERTa's post-LN layout is read")
        if cfg.get("activation_fn", "gelu") != "gelu":
            raise PretrainedError(f"{file}: activation_fn {cfg['activation_fn']!r}; only gelu")
        words = model[prefix + "embed_tokens.weight"]
        positions = model[prefix + "embed_positions.weight"]
        layers = sorted({int(m.group(1)) for k in model
                         for m in [re.match(re.escape(prefix) + r"layers\.(\d+)\.", k)] if m})
        fc1 = model[f"{prefix}layers.0.fc1.weight"]
        heads = cfg.get("encoder_attention_heads")
        if not heads:
            raise PretrainedError(f"{file}: its config does not say encoder_attention_heads")
        spec = EncoderSpec(
            format="roberta", vocab_size=words.shape[0], dim=words.shape[1], layers=len(layers),
            heads=int(heads), ffn_dim=fc1.shape[0], max_positions=positions.shape[0],
            position_offset=2, type_vocab_size=0, layer_norm_eps=1e-5,
            dropout=float(cfg.get("dropout", 0.1)),
            attention_dropout=float(cfg.get("attention_dropout", 0.1)),
        )
        symbols = dictionary_symbols(directory, spec.vocab_size)
        files = {}
        for name in BPE_FILES:
            bpe_path = os.path.join(directory, name)
            if not os.path.isfile(bpe_path):
                raise PretrainedError(
                    f"{directory}: no {name}; put GPT-2's BPE files (encoder.json, vocab.bpe, "
                    "the ones fairseq's gpt2 bpe reads) beside model.pt")
            with open(bpe_path, "rb") as f:
                files[name] = f.read()
        encoder = PretrainedEncoder(file, spec, symbols,
                                    Specials(pad="<pad>", unk="<unk>", cls="<s>", sep="</s>",
                                             pair_sep=["</s>", "</s>"]), files)
        if weights:
            get = lambda k: model[prefix + k].float()  # noqa: E731
            norm = "layernorm_embedding" if prefix + "layernorm_embedding.weight" in model \
                else "emb_layer_norm"
            per_layer = []
            for i in layers:
                t = {}
                for ours, theirs in LAYER_NAMES.items():
                    for kind in ("weight", "bias"):
                        t[f"{ours}.{kind}"] = get(f"layers.{i}.{theirs}.{kind}")
                per_layer.append(t)
            encoder.weights = stack_state(per_layer, get("embed_positions.weight"),
                                          get(f"{norm}.weight"), get(f"{norm}.bias"))
            encoder.weights["word_embeddings.weight"] = words.float()
        return encoder

    @classmethod
    def tokenizer(cls, files):
        from fairseq.data.encoders.gpt2_bpe_utils import Encoder

        # vocab.bpe: a version line, then one merge ("a b") per line (fairseq's get_encoder)
        merges = [tuple(line.split()) for line in
                  files["vocab.bpe"].decode("utf-8").split("\n")[1:-1]]
        bpe = Encoder(json.loads(files["encoder.json"]), merges)
        return lambda text: [str(i) for i in bpe.encode(text)]


def read_checkpoint(file: str) -> dict:
    """model.pt, with the classes fairseq checkpoints hold besides tensors (older ones: an
    argparse ``args``)."""
    return safe_load(file, (argparse.Namespace, collections.OrderedDict, collections.defaultdict))


def model_config(state: dict, file: str) -> dict:
    """The model options: fairseq >= 0.10 saves ``cfg["model"]`` (a dict), older versions an
    argparse ``args``."""
    cfg = state.get("cfg")
    if isinstance(cfg, dict) and cfg.get("model"):
        model = cfg["model"]
        return dict(model) if not isinstance(model, argparse.Namespace) else vars(model)
    if isinstance(state.get("args"), argparse.Namespace):
        return vars(state["args"])
    raise PretrainedError(f"{file}: holds no model config (neither cfg.model nor args)")


def dictionary_symbols(directory: str, rows: int):
    """fairseq's dictionary of the checkpoint: dict.txt after the four specials, then <mask>
    (RoBERTa's masked-LM task adds it), padded with placeholders up to the embedding rows."""
    from fairseq.data import Dictionary

    path = os.path.join(directory, "dict.txt")
    if not os.path.isfile(path):
        raise PretrainedError(f"{directory}: no dict.txt beside model.pt (fairseq's dictionary "
                              "of the checkpoint)")
    dictionary = Dictionary.load(path)
    dictionary.add_symbol("<mask>")
    symbols = list(dictionary.symbols)
    if len(symbols) > rows:
        raise PretrainedError(f"{path}: {len(symbols)} symbols (with <mask>) but model.pt has "
                              f"{rows} word vectors")
    return symbols + [f"<unused:{i}>" for i in range(len(symbols), rows)]
