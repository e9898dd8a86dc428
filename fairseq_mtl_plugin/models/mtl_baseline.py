"""``mtl_baseline``: the two competitor models of paper Table 2, trained by the same multi-task
task and criterion as every other model.

=======  ==================================  ================================================
arch     paper name                          what it is here
=======  ==================================  ================================================
mt_cnn   MT-CNN (Collobert & Weston 2008)    shared lookup table; per task: convolution
                                             (width 3, 100 filters) + max-pooling + softmax
mt_dnn   MT-DNN (Liu et al. 2015)            bag of words -> shared tanh layer (300);
                                             per task: tanh layer (128) + softmax
=======  ==================================  ================================================

fairseq_mtl/modules/baseline_encoders.py says how each layer maps to the original papers.
"""

from dataclasses import dataclass, field

from fairseq.dataclass import ChoiceEnum
from fairseq.models import register_model, register_model_architecture

from fairseq_mtl.modules.baseline_encoders import BagOfWordsEncoder, CNNSentenceEncoder
from fairseq_mtl.sharing import SCHEMES, offered_with

from .mtl_base import MtlModel, MtlModelConfig, training_defaults


@dataclass
class MtlBaselineConfig(MtlModelConfig):
    sharing: ChoiceEnum(offered_with("baseline")) = field(
        default="se", metadata={"help": SCHEMES.help(offered_with("baseline")) + " (fs with "
                                "--encoder bow is MT-DNN)"})
    encoder: ChoiceEnum(["cnn", "bow"]) = field(
        default="cnn", metadata={"help": "cnn: convolution + max-pooling; bow: bag of words "
                                 "+ tanh layer"})
    cnn_filters: int = field(default=100, metadata={"help": "convolution filters (cnn)"})
    cnn_width: int = field(default=3, metadata={"help": "window of words (cnn, odd)"})
    bow_hidden_dim: int = field(default=300, metadata={"help": "shared tanh layer (bow; Liu "
                                                       "et al. 2015: 300)"})


@register_model("mtl_baseline", dataclass=MtlBaselineConfig)
class MtlBaselineModel(MtlModel):
    @classmethod
    def encoder_factory(cls, cfg, embed_dim, task):
        if cfg.encoder == "cnn":
            return lambda name: CNNSentenceEncoder(embed_dim, cfg.cnn_filters, cfg.cnn_width)
        return lambda name: BagOfWordsEncoder(embed_dim, cfg.bow_hidden_dim)


@register_model_architecture("mtl_baseline", "mt_cnn")
def mt_cnn(args):
    """MT-CNN (paper Table 2; Collobert & Weston 2008): shared word lookup table, CNNs."""
    args.sharing = getattr(args, "sharing", "se")
    args.encoder = getattr(args, "encoder", "cnn")
    training_defaults(args, "baseline")


@register_model_architecture("mtl_baseline", "mt_dnn")
def mt_dnn(args):
    """MT-DNN (paper Table 2; Liu et al. 2015): shared bag-of-words layer, tanh heads."""
    args.sharing = getattr(args, "sharing", "fs")
    args.encoder = getattr(args, "encoder", "bow")
    # Liu et al. 2015: a task-specific tanh layer of 128 units before each output
    args.head_hidden_dim = getattr(args, "head_hidden_dim", 128)
    args.head_activation = getattr(args, "head_activation", "tanh")
    training_defaults(args, "baseline")
