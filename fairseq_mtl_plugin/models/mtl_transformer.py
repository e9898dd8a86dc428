"""``mtl_transformer``: Transformer multi-task models, the thesis' sharing patterns (Sun 2019,
ch. 3) and the paper's schemes (Liu, Qiu & Huang 2017) with Transformer encoders.

Registry names, and how they map to the two sources' names (the paper's "SP-MTL" is
shared-private, the thesis' "S-P" is stack-pooling: two different things):

==============================  =====================  ======================================
arch                            source name             what it sets
==============================  =====================  ======================================
st_transformer                  thesis: single task     sharing=single (mean-pooled)
stack_pool_transformer          thesis: S-P             sharing=stack_pool (mean pool + MLP)
stack_cls_transformer           thesis: S-C             sharing=stack_cls (CLS)
layerwise_implicit_transformer  thesis: L-I             sharing=layerwise_implicit (task id)
layerwise_explicit_transformer  thesis: L-E             sharing=layerwise_explicit (T tokens)
fs_transformer                  paper: FS-MTL           sharing=fs (mean-pooled)
sp_transformer                  paper: SP-MTL           sharing=sp (shared + private stacks)
asp_transformer                 paper: ASP-MTL          sharing=sp, lambda=0.05, gamma=0.01
==============================  =====================  ======================================

Defaults are the thesis size (4 layers, d=300, 6 heads of 50, FFN 512, learned positions).

``--pretrained PATH`` puts a pretrained encoder (a Hugging Face BERT-layout directory or a fairseq
RoBERTa ``model.pt``; fairseq_mtl/pretrained/) in place of every stack the scheme builds: the
shared stack of S-P, S-C, L-I and L-E, the shared and private stacks of sp/asp, each task's stack
of single. Its shape comes from the checkpoint (the size options are then unused), the data must
have been prepared with ``--pretrained`` and the same model (refused otherwise), and the CLS and
task vectors start from [CLS]'s input vector, at [CLS]'s position (sharing/stack_base.py).
New parameters may train at their own rate (``--new-params-lr-scale``), the pretrained layers
with layer-wise decay (``--layer-lr-decay``), both through ``--optimizer torch_adamw``.
``--adversarial-weight`` works with every scheme that has a shared vector (all but single),
``--orthogonality-weight`` with those that also have a task-specific one (sp, layerwise_*);
see fairseq_mtl/sharing/stack_base.py for what these vectors are in the thesis' schemes.
"""

import argparse
import logging
import sys
from dataclasses import dataclass, field

import torch
from fairseq.dataclass import ChoiceEnum
from fairseq.models import register_model, register_model_architecture

from fairseq_mtl.data.manifest import check_prepared_for
from fairseq_mtl.modules.transformer_encoder import TransformerSentenceEncoder, TransformerStack
from fairseq_mtl.pretrained import EncoderSpec, load_pretrained
from fairseq_mtl.pretrained import modules as pretrained
from fairseq_mtl.sharing import SCHEMES, offered_with
from fairseq_mtl.sharing.stack_base import StackScheme

from .mtl_base import MtlModel, MtlModelConfig, adversarial_defaults, training_defaults

logger = logging.getLogger(__name__)


@dataclass
class MtlTransformerConfig(MtlModelConfig):
    sharing: ChoiceEnum(offered_with("transformer")) = field(
        default="stack_cls", metadata={"help": SCHEMES.help(offered_with("transformer"))})
    encoder_layers: int = field(default=4, metadata={"help": "Transformer layers (thesis: 4)"})
    encoder_dim: int = field(default=300, metadata={"help": "model size d (thesis: 300); word "
                                                    "vectors of another size are projected"})
    attention_heads: int = field(default=6, metadata={"help": "attention heads (thesis: 6)"})
    ffn_dim: int = field(default=512, metadata={"help": "FFN hidden size (thesis: 512)"})
    dropout: float = field(default=0.1, metadata={"help": "dropout on embeddings+positions and "
                                                  "after each sublayer"})
    attention_dropout: float = field(default=0.0, metadata={"help": "dropout on attention "
                                                            "weights"})
    activation_dropout: float = field(default=0.0, metadata={"help": "dropout after the FFN's "
                                                             "ReLU"})
    max_positions: int = field(
        default=512, metadata={"help": "learned positions, task/CLS tokens included; longer "
                               "sentences are truncated by the task (counted and logged)"})
    pooling: ChoiceEnum(["mean", "cls"]) = field(
        default="mean", metadata={"help": "sentence vector of the single/fs/sp schemes' stacks "
                                  "(the thesis' schemes read their own positions)"})
    init_range: float = field(
        default=0.0, metadata={"help": "0 = Xavier projections, unit LayerNorms, N(0, 0.02) "
                               "positions and task vectors; r > 0 = everything U[-r, r]"})
    pretrained: str = field(
        default="", metadata={"help": "start every stack from this pretrained encoder: a Hugging "
                              "Face BERT-layout directory or a fairseq RoBERTa model.pt (the "
                              "data must be prepared with --pretrained and the same model)"})
    new_params_lr_scale: float = field(
        default=1.0, metadata={"help": "with --pretrained: parameters that are not in the "
                               "checkpoint (heads, CLS/task vectors, discriminator) train at lr "
                               "times this (needs --optimizer torch_adamw)"})
    layer_lr_decay: float = field(
        default=1.0, metadata={"help": "with --pretrained: the top layer trains at lr, each layer "
                               "below at this times the one above, the embeddings at "
                               "decay^layers (needs --optimizer torch_adamw)"})
    pretrained_spec: str = field(
        default="", metadata={"help": "set by the model: the pretrained encoder's shape (JSON), "
                              "so that a checkpoint is rebuilt without the pretrained files"})


@register_model("mtl_transformer", dataclass=MtlTransformerConfig)
class MtlTransformerModel(MtlModel):
    @classmethod
    def encoder_factory(cls, cfg, embed_dim, task):
        def build(name):
            stack = TransformerStack(
                embed_dim, cfg.encoder_dim, cfg.encoder_layers, cfg.attention_heads,
                cfg.ffn_dim, cfg.max_positions, cfg.dropout, cfg.attention_dropout,
                cfg.activation_dropout,
            )
            return TransformerSentenceEncoder(stack, cfg.pooling)

        return build

    @classmethod
    def build_parts(cls, cfg, task):
        if not cfg.pretrained:
            return super().build_parts(cfg, task)
        spec, weights = cls.pretrained_source(cfg, task)
        dictionary = task.source_dictionary
        cls_init = pretrained.cls_vector(weights, dictionary.bos())

        def embed_factory(name):
            return pretrained.token_embedding(spec, dictionary, weights, cfg.freeze_embeddings)

        def encoder_factory(name):
            stack = pretrained.stack(spec, weights, cfg.dropout, cfg.attention_dropout,
                                     cfg.activation_dropout, cfg.freeze_embeddings)
            return TransformerSentenceEncoder(stack, cfg.pooling,
                                              cls_init if cls_init is not None
                                              else torch.zeros(spec.dim))

        kwargs = {}  # (token types are the embedding's)
        if getattr(cfg, "pooler_head", False) and weights is not None:
            if "pooler.weight" not in weights:
                raise ValueError(f"--pooler-head: {cfg.pretrained} has no pooler to start the "
                                 "heads from (a BERT-layout checkpoint saved with its pooler has)")

            def head_init(head):  # BERT's pooler, a copy in every task's head
                with torch.no_grad():
                    head.net[0].weight.copy_(weights["pooler.weight"])
                    head.net[0].bias.copy_(weights["pooler.bias"])

            kwargs["head_init"] = head_init
        return embed_factory, encoder_factory, kwargs

    @staticmethod
    def pretrained_source(cfg, task):
        """(shape, weights) of ``--pretrained``: read from its files, after checking that the
        data was prepared for it; from the saved shape alone (no weights) when a checkpoint's
        weights are about to fill the model."""
        if task.building_from_checkpoint:
            if not cfg.pretrained_spec:
                raise ValueError("the checkpoint was trained with --pretrained but does not "
                                 "record the encoder's shape (pretrained_spec)")
            return EncoderSpec.from_json(cfg.pretrained_spec), None
        encoder = load_pretrained(cfg.pretrained)
        check_prepared_for(task.manifest.preparation, encoder, task.source_dictionary,
                           task.cfg.data)
        cfg.pretrained_spec = encoder.spec.to_json()
        logger.info(f"--pretrained {cfg.pretrained}: {encoder.format}, {encoder.spec.layers} "
                    f"layers, d={encoder.spec.dim}, {encoder.spec.heads} heads, vocabulary "
                    f"{len(encoder.symbols)}")
        return encoder.spec, encoder.weights

    def derived_config(self):
        return {"pretrained_spec": self.cfg.pretrained_spec} if self.cfg.pretrained else {}

    def after_build(self):
        if not self.cfg.pretrained:
            return
        spec = EncoderSpec.from_json(self.cfg.pretrained_spec)
        counts = pretrained.assign_lr_scales(self, spec.layers, self.cfg.new_params_lr_scale,
                                             self.cfg.layer_lr_decay)
        if len(counts) > 1:
            logger.info("learning-rate scales (parameters): " + ", ".join(
                f"x{k}: {n:,}" for k, n in sorted(counts.items(), key=lambda kv: -float(kv[0]))))

    @classmethod
    def scheme_kwargs(cls, cfg, embed_dim, task):
        # sentence pairs ("A <sep> B", GLUE): the thesis' schemes add a segment embedding
        if issubclass(SCHEMES[cfg.sharing], StackScheme):
            return {"sep_index": task.source_dictionary.indices.get("<sep>")}
        return {}

    def num_prefix(self) -> int:
        """Positions before the words (CLS, task tokens)."""
        if isinstance(self.scheme, StackScheme):
            return self.scheme.prefix_length
        return 1 if self.cfg.pooling == "cls" else 0

    def max_positions(self):
        """The most WORDS a sentence may have (the task truncates longer ones). On a pretrained
        encoder every prefix vector sits at [CLS]'s position, so the scheme costs none."""
        if self.cfg.pretrained:
            return EncoderSpec.from_json(self.cfg.pretrained_spec).max_words
        return self.cfg.max_positions - self.num_prefix()

    def attention(self, src_tokens, src_lengths, task_id: int):
        """Attention weights of every layer of the shared stack (thesis' schemes only)."""
        if not isinstance(self.scheme, StackScheme):
            raise ValueError(f"attention maps need one of the thesis' schemes, not "
                             f"{self.cfg.sharing!r}")
        return self.scheme.attention(src_tokens, src_lengths, task_id)


# The dataclass holds every default (register_model registers the "mtl_transformer" arch);
# each named arch chooses its sharing scheme, and what fairseq-train needs (defaults.FAMILIES:
# "transformer", or "pretrained" with --pretrained).
def _sharing(args, scheme):
    args.sharing = getattr(args, "sharing", scheme)
    if getattr(args, "pretrained", ""):
        _pretrained_defaults(args)
    else:
        training_defaults(args, "transformer")


def _pretrained_defaults(args):
    """Fine-tuning defaults (defaults.FAMILIES["pretrained"]), and dropout 0.1 on attention too,
    as BERT and RoBERTa were pretrained. Options that need what the plugin cannot give stop
    here, in one line."""
    if not isinstance(args, argparse.Namespace):  # the model's own config: nothing to do
        return
    training_defaults(args, "pretrained")
    if getattr(args, "attention_dropout", None) == 0.0:
        args.attention_dropout = 0.1
    scaled = [f"--{n.replace('_', '-')} {getattr(args, n)}"
              for n in ("new_params_lr_scale", "layer_lr_decay")
              if getattr(args, n, 1.0) != 1.0]
    if scaled and getattr(args, "optimizer", None) != "torch_adamw":
        sys.exit(f"fairseq-train: error: {' and '.join(scaled)} need --optimizer torch_adamw "
                 f"(got --optimizer {args.optimizer})")
    if getattr(args, "init_range", 0.0) > 0:
        sys.exit("fairseq-train: error: --init-range would overwrite the pretrained weights; "
                 "leave it at 0 with --pretrained")


@register_model_architecture("mtl_transformer", "st_transformer")
def st_transformer(args):
    """Transformer, single task (thesis Table 4.2)."""
    _sharing(args, "single")


@register_model_architecture("mtl_transformer", "stack_pool_transformer")
def stack_pool_transformer(args):
    """S-P, Stack-Pooling (thesis Sec. 3.2.1): shared stack, mean-pooled."""
    _sharing(args, "stack_pool")


@register_model_architecture("mtl_transformer", "stack_cls_transformer")
def stack_cls_transformer(args):
    """S-C, Stack-CLS (thesis Sec. 3.2.2): shared stack read at a CLS token."""
    _sharing(args, "stack_cls")


@register_model_architecture("mtl_transformer", "layerwise_implicit_transformer")
def layerwise_implicit_transformer(args):
    """L-I, layer-wise implicit (thesis Sec. 3.2.3): the task's token first."""
    _sharing(args, "layerwise_implicit")


@register_model_architecture("mtl_transformer", "layerwise_explicit_transformer")
def layerwise_explicit_transformer(args):
    """L-E, layer-wise explicit (thesis Sec. 3.2.4): all task tokens first."""
    _sharing(args, "layerwise_explicit")


@register_model_architecture("mtl_transformer", "fs_transformer")
def fs_transformer(args):
    """FS-MTL with a Transformer encoder: one shared stack."""
    _sharing(args, "fs")


@register_model_architecture("mtl_transformer", "sp_transformer")
def sp_transformer(args):
    """SP-MTL with Transformer encoders: a shared and a private stack per task."""
    _sharing(args, "sp")


@register_model_architecture("mtl_transformer", "asp_transformer")
def asp_transformer(args):
    """ASP-MTL with Transformer encoders (thesis' planned extension)."""
    adversarial_defaults(args)
    sp_transformer(args)
