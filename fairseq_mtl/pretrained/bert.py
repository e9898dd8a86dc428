"""Hugging Face BERT-layout directories (Devlin et al. 2019; the layout of ``BertModel``):
``config.json`` (``model_type`` "bert"), ``model.safetensors`` (or ``pytorch_model.bin``, read by
torch's weights-only loader) and ``tokenizer.json`` (read with the ``tokenizers`` library).

Accepted: ``model_type`` "bert" with ``hidden_act`` "gelu" and absolute positions; MiniLM and
all-MiniLM-L6-v2 are saved this way. Weights of a ``Bert*For*`` head model (``bert.`` prefix) are
read too; the pooler and any task head are not used (every scheme brings its own heads).
"""
from __future__ import annotations

import json
import os
from typing import Dict

import torch

from fairseq_mtl.pretrained import register_format
from fairseq_mtl.pretrained.base import (EncoderSpec, PretrainedEncoder, PretrainedError,
                                         PretrainedFormat, Specials, safe_load, stack_state)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
ACCEPTED_MODEL_TYPES = ("bert",)
LAYER_NAMES = {  # ours <- Hugging Face's, inside encoder.layer.{i}.
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "out_proj": "attention.output.dense", "attn_norm": "attention.output.LayerNorm",
    "fc1": "intermediate.dense", "fc2": "output.dense", "ffn_norm": "output.LayerNorm",
}


@register_format("bert")
class BertFormat(PretrainedFormat):
    summary = "Hugging Face BERT-layout directory (config.json, safetensors, tokenizer.json)"

    @classmethod
    def recognises(cls, path):
        return os.path.isdir(path) and os.path.isfile(os.path.join(path, "config.json"))

    @classmethod
    def load(cls, path, weights=True):
        config_path = os.path.join(path, "config.json")
        with open(config_path) as f:
            config = json.load(f)
        kind = config.get("model_type")
        if kind not in ACCEPTED_MODEL_TYPES:
            raise PretrainedError(f"{config_path}: model_type {kind!r} is not accepted; "
                                  f"accepted: {', '.join(ACCEPTED_MODEL_TYPES)} (the BERT layout)")
        if config.get("hidden_act", "gelu") != "gelu":
            raise PretrainedError(f"{config_path}: hidden_act {config['hidden_act']!r}; only "
                                  "'gelu' is accepted")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise PretrainedError(f"{config_path}: position_embedding_type "
                                  f"{config['position_embedding_type']!r}; only 'absolute'")
        spec = EncoderSpec(
            format="bert", vocab_size=config["vocab_size"], dim=config["hidden_size"],
            layers=config["num_hidden_layers"], heads=config["num_attention_heads"],
            ffn_dim=config["intermediate_size"],
            max_positions=config["max_position_embeddings"],
            type_vocab_size=config.get("type_vocab_size", 2),
            layer_norm_eps=config.get("layer_norm_eps", 1e-12),
            dropout=config.get("hidden_dropout_prob", 0.1),
            attention_dropout=config.get("attention_probs_dropout_prob", 0.1),
        )
        tokenizer_path = os.path.join(path, "tokenizer.json")
        if not os.path.isfile(tokenizer_path):
            raise PretrainedError(f"{path}: no tokenizer.json (the fast-tokenizer file that "
                                  "Hugging Face saves beside the model)")
        with open(tokenizer_path, "rb") as f:
            files = {"tokenizer.json": f.read()}
        symbols, specials = vocabulary(files["tokenizer.json"], spec.vocab_size, tokenizer_path)
        encoder = PretrainedEncoder(path, spec, symbols, specials, files)
        if weights:
            encoder.weights = read_weights(path, spec)
        return encoder

    @classmethod
    def tokenizer(cls, files):
        from tokenizers import Tokenizer

        tok = Tokenizer.from_str(files["tokenizer.json"].decode("utf-8"))
        tok.no_truncation()  # the file may carry a model_max_length cut and fixed padding:
        tok.no_padding()  # lengths are this project's business (counted, never silent)
        return lambda text: tok.encode(text, add_special_tokens=False).tokens


def vocabulary(tokenizer_json: bytes, vocab_size: int, where: str):
    """The symbols in id order (ids the tokenizer lacks below ``vocab_size`` get placeholder
    names) and the special tokens, from tokenizer.json's post-processor."""
    raw = json.loads(tokenizer_json)
    vocab: Dict[str, int] = dict(raw["model"].get("vocab", {}))
    for added in raw.get("added_tokens", []):
        vocab.setdefault(added["content"], added["id"])
    if not vocab or max(vocab.values()) >= vocab_size:
        raise PretrainedError(f"{where}: the tokenizer's vocabulary ({len(vocab)} tokens) does "
                              f"not fit the model's {vocab_size} word vectors")
    symbols = [f"<unused:{i}>" for i in range(vocab_size)]
    for token, i in vocab.items():
        symbols[i] = token
    names = {"cls": "[CLS]", "sep": "[SEP]", "pad": "[PAD]",
             "unk": raw["model"].get("unk_token") or "[UNK]"}
    post = raw.get("post_processor") or {}
    if post.get("type") == "TemplateProcessing":  # the tokens it puts around a text
        single = post["single"]
        if single and "SpecialToken" in single[0]:
            names["cls"] = single[0]["SpecialToken"]["id"]
        if single and "SpecialToken" in single[-1]:
            names["sep"] = single[-1]["SpecialToken"]["id"]
    if raw.get("padding") and raw["padding"].get("pad_token"):
        names["pad"] = raw["padding"]["pad_token"]
    for role, token in names.items():
        if token not in vocab:
            raise PretrainedError(f"{where}: the {role} token {token!r} is not in the vocabulary")
    return symbols, Specials(pad=names["pad"], unk=names["unk"], cls=names["cls"],
                             sep=names["sep"], pair_sep=[names["sep"]])


def read_weights(path: str, spec: EncoderSpec) -> Dict[str, torch.Tensor]:
    state = None
    for name in WEIGHT_FILES:
        file = os.path.join(path, name)
        if not os.path.isfile(file):
            continue
        if name.endswith(".safetensors"):
            from safetensors.torch import load_file

            state = load_file(file)
        else:
            state = safe_load(file)
        break
    if state is None:
        raise PretrainedError(f"{path}: no weights ({' or '.join(WEIGHT_FILES)})")
    if any(k.startswith("bert.") for k in state):  # a Bert*For* model: its encoder
        state = {k[len("bert."):]: v for k, v in state.items() if k.startswith("bert.")}

    def get(key):
        if key not in state:
            raise PretrainedError(f"{path}: weight {key!r} missing (not the BERT layout?)")
        return state[key].float()

    layers = []
    for i in range(spec.layers):
        t = {}
        for ours, theirs in LAYER_NAMES.items():
            for kind, theirs_kind in (("weight", "weight"), ("bias", "bias")):
                t[f"{ours}.{kind}"] = get(f"encoder.layer.{i}.{theirs}.{theirs_kind}")
        layers.append(t)
    out = stack_state(layers, get("embeddings.position_embeddings.weight"),
                      get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
    out["word_embeddings.weight"] = get("embeddings.word_embeddings.weight")
    if spec.type_vocab_size:
        out["token_type_embeddings.weight"] = get("embeddings.token_type_embeddings.weight")
    if "pooler.dense.weight" in state:  # for --pooler-head (BERT's classification head)
        out["pooler.weight"] = get("pooler.dense.weight")
        out["pooler.bias"] = get("pooler.dense.bias")
    return out


def bert_model_inputs(src_tokens: torch.Tensor, dictionary) -> Dict[str, torch.Tensor]:
    """What Hugging Face's ``BertModel`` reads for a batch of prepared ids (``A [SEP]`` or
    ``A [SEP] B [SEP]``, right-padded): [CLS] + the ids, the attention mask and the token
    types. For the yardsticks that run ``transformers`` on this project's data."""
    from fairseq_mtl.modules.embedding import segment_ids

    cls = torch.full((src_tokens.size(0), 1), dictionary.bos(), dtype=src_tokens.dtype,
                     device=src_tokens.device)
    ids = torch.cat([cls, src_tokens], dim=1)
    mask = (ids != dictionary.pad()).long()
    types = torch.cat([torch.zeros_like(cls), segment_ids(src_tokens, dictionary.eos())], dim=1)
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types * mask}
