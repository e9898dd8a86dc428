"""Building the modules of a pretrained encoder (its token embedding and its stack) and the
per-parameter learning-rate scales of fine-tuning."""
from __future__ import annotations

from typing import Dict, Optional

import torch
from torch import nn

from fairseq_mtl.modules.embedding import PretrainedTokenEmbedding
from fairseq_mtl.modules.transformer_encoder import TransformerStack
from fairseq_mtl.pretrained.base import EncoderSpec, PretrainedError

#: the attribute that marks a parameter read from a pretrained checkpoint: 0 = embeddings,
#: i + 1 = layer i (for layer-wise learning-rate decay)
DEPTH = "pretrained_depth"


def mark_depth(module: nn.Module, depth: int) -> None:
    for p in module.parameters():
        setattr(p, DEPTH, depth)


def token_embedding(spec: EncoderSpec, dictionary, weights: Optional[Dict[str, torch.Tensor]],
                    freeze: bool = False) -> PretrainedTokenEmbedding:
    """Word (+ token-type) vectors over ``dictionary`` (the model's own vocabulary)."""
    emb = PretrainedTokenEmbedding(spec.vocab_size, spec.dim, dictionary.pad(), dictionary.bos(),
                                   dictionary.eos(), spec.type_vocab_size, freeze)
    if weights is not None:
        emb.load_pretrained(weights["word_embeddings.weight"],
                            weights.get("token_type_embeddings.weight"))
    mark_depth(emb, 0)
    return emb


def stack(spec: EncoderSpec, weights: Optional[Dict[str, torch.Tensor]], dropout: float,
          attention_dropout: float, activation_dropout: float = 0.0,
          freeze_embeddings: bool = False) -> TransformerStack:
    """The pretrained layers, every prefix vector at [CLS]'s position (see TransformerStack)."""
    s = TransformerStack(spec.dim, spec.dim, spec.layers, spec.heads, spec.ffn_dim,
                         spec.max_positions, dropout, attention_dropout, activation_dropout,
                         activation=spec.activation, layer_norm_eps=spec.layer_norm_eps,
                         embed_norm=True, position_offset=spec.position_offset,
                         prefix_position=0)
    if weights is not None:
        state = {k: v for k, v in weights.items()
                 if not k.startswith(("word_embeddings.", "token_type_embeddings.", "pooler."))}
        s.load_state_dict(state, strict=True)
    for module in (s.positions, s.embed_norm):
        mark_depth(module, 0)
        for p in module.parameters():
            p.requires_grad_(not freeze_embeddings)
    for i, layer in enumerate(s.layers):
        mark_depth(layer, i + 1)
    return s


def cls_vector(weights: Optional[Dict[str, torch.Tensor]], cls_index: int) -> Optional[torch.Tensor]:
    """[CLS]'s input vector (word + token type 0), or None without weights."""
    if weights is None:
        return None
    v = weights["word_embeddings.weight"][cls_index].clone()
    if "token_type_embeddings.weight" in weights:
        v += weights["token_type_embeddings.weight"][0]
    return v


def assign_lr_scales(model: nn.Module, layers: int, new_scale: float = 1.0,
                     layer_decay: float = 1.0) -> Dict[str, int]:
    """Set ``p.lr_scale`` (read by ``--optimizer torch_adamw``) on every parameter: parameters
    of the pretrained checkpoint get ``layer_decay ** (layers - depth)`` (the top layer 1, the
    embeddings ``layer_decay ** layers``: layer-wise decay as in ELECTRA, Clark et al. 2020), the
    new ones (heads, CLS and task vectors, discriminator) ``new_scale``. Returns how many
    parameters have which scale, for the log."""
    counts: Dict[str, int] = {}
    for p in model.parameters():
        depth = getattr(p, DEPTH, None)
        scale = new_scale if depth is None else layer_decay ** (layers - depth)
        p.lr_scale = scale
        key = f"{scale:.3g}"
        counts[key] = counts.get(key, 0) + p.numel()
    return counts
