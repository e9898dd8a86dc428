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
``--adversarial-weight`` works with every scheme that has a shared vector (all but single),
``--orthogonality-weight`` with those that also have a task-specific one (sp, layerwise_*);
see fairseq_mtl/sharing/stack_base.py for what these vectors are in the thesis' schemes.
"""

from dataclasses import dataclass, field

from fairseq.dataclass import ChoiceEnum
from fairseq.models import register_model, register_model_architecture

from fairseq_mtl.modules.transformer_encoder import TransformerSentenceEncoder, TransformerStack
from fairseq_mtl.sharing import SCHEMES, offered_with
from fairseq_mtl.sharing.stack_base import StackScheme

from .mtl_base import MtlModel, MtlModelConfig, adversarial_defaults, training_defaults


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
        """The most WORDS a sentence may have (the task truncates longer ones)."""
        return self.cfg.max_positions - self.num_prefix()

    def attention(self, src_tokens, src_lengths, task_id: int):
        """Attention weights of every layer of the shared stack (thesis' schemes only)."""
        if not isinstance(self.scheme, StackScheme):
            raise ValueError(f"attention maps need one of the thesis' schemes, not "
                             f"{self.cfg.sharing!r}")
        return self.scheme.attention(src_tokens, src_lengths, task_id)


# The dataclass holds every default (register_model registers the "mtl_transformer" arch);
# each named arch chooses its sharing scheme, and what fairseq-train needs (the tf_cpu
# profile's Adam 1e-3 after 200 warm-up updates, batch 50: recipes/fdu_mtl/profiles/tf_cpu.sh).
def _sharing(args, scheme):
    args.sharing = getattr(args, "sharing", scheme)
    training_defaults(args, lr=0.001, batch_size=50, warmup_updates=200)


@register_model_architecture("mtl_transformer", "st_transformer")
def st_transformer(args):
    _sharing(args, "single")


@register_model_architecture("mtl_transformer", "stack_pool_transformer")
def stack_pool_transformer(args):
    _sharing(args, "stack_pool")


@register_model_architecture("mtl_transformer", "stack_cls_transformer")
def stack_cls_transformer(args):
    _sharing(args, "stack_cls")


@register_model_architecture("mtl_transformer", "layerwise_implicit_transformer")
def layerwise_implicit_transformer(args):
    _sharing(args, "layerwise_implicit")


@register_model_architecture("mtl_transformer", "layerwise_explicit_transformer")
def layerwise_explicit_transformer(args):
    _sharing(args, "layerwise_explicit")


@register_model_architecture("mtl_transformer", "fs_transformer")
def fs_transformer(args):
    _sharing(args, "fs")


@register_model_architecture("mtl_transformer", "sp_transformer")
def sp_transformer(args):
    _sharing(args, "sp")


@register_model_architecture("mtl_transformer", "asp_transformer")
def asp_transformer(args):
    adversarial_defaults(args)
    sp_transformer(args)
