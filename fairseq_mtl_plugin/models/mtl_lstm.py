"""``mtl_lstm``: the LSTM models of Liu, Qiu & Huang (ACL 2017) under one registered model.

Architectures (each sets only what differs from the base ``mtl_lstm``):

=========  =================================  ==========================================
arch       paper name                          what it sets
=========  =================================  ==========================================
st_lstm    LSTM, single task (Table 2)         sharing=single, encoder=lstm
st_bilstm  BiLSTM, single task                 sharing=single, encoder=bilstm
st_slstm   sLSTM (2 stacked), single task      sharing=single, encoder=slstm
fs_lstm    FS-MTL (Sec. 3.1, Fig. 2a)          sharing=fs
sp_lstm    SP-MTL (Sec. 3.1, Fig. 2b)          sharing=sp
asp_lstm   ASP-MTL (Sec. 4, Fig. 3)            sharing=sp, lambda=0.05, gamma=0.01
=========  =================================  ==========================================

The adversarial (``--adversarial-weight``) and orthogonality (``--orthogonality-weight``) terms
work on any scheme with a shared sentence vector (fs, sp).
"""

from dataclasses import dataclass, field

from fairseq.dataclass import ChoiceEnum
from fairseq.models import register_model, register_model_architecture

from fairseq_mtl.modules.lstm_encoder import build_lstm_encoder
from fairseq_mtl.sharing import SCHEMES, offered_with

from .mtl_base import MtlModel, MtlModelConfig, adversarial_defaults, training_defaults


@dataclass
class MtlLstmConfig(MtlModelConfig):
    sharing: ChoiceEnum(offered_with("lstm")) = field(
        default="sp", metadata={"help": SCHEMES.help(offered_with("lstm"))})
    encoder: ChoiceEnum(["lstm", "bilstm", "slstm"]) = field(
        default="lstm", metadata={"help": "sentence encoder (paper Sec. 2)"})
    hidden_dim: int = field(default=100, metadata={"help": "LSTM units d per direction"})


@register_model("mtl_lstm", dataclass=MtlLstmConfig)
class MtlLstmModel(MtlModel):
    @classmethod
    def encoder_factory(cls, cfg, embed_dim, task):
        return lambda name: build_lstm_encoder(cfg.encoder, embed_dim, cfg.hidden_dim)


# The dataclass holds every default (register_model registers the "mtl_lstm" arch); each
# named arch sets only what differs, and what fairseq-train needs (defaults.FAMILIES).
def _lstm(args, sharing):
    args.sharing = getattr(args, "sharing", sharing)
    training_defaults(args, "lstm")


@register_model_architecture("mtl_lstm", "st_lstm")
def st_lstm(args):
    """LSTM, single task (paper Table 2): K independent LSTM models."""
    args.encoder = getattr(args, "encoder", "lstm")
    _lstm(args, "single")


@register_model_architecture("mtl_lstm", "st_bilstm")
def st_bilstm(args):
    """BiLSTM, single task (paper Table 2)."""
    args.encoder = getattr(args, "encoder", "bilstm")
    st_lstm(args)


@register_model_architecture("mtl_lstm", "st_slstm")
def st_slstm(args):
    """sLSTM (2 stacked LSTMs), single task (paper Table 2)."""
    args.encoder = getattr(args, "encoder", "slstm")
    st_lstm(args)


@register_model_architecture("mtl_lstm", "fs_lstm")
def fs_lstm(args):
    """FS-MTL (paper Sec. 3.1, Fig. 2a): one shared LSTM, a softmax layer per task."""
    _lstm(args, "fs")


@register_model_architecture("mtl_lstm", "sp_lstm")
def sp_lstm(args):
    """SP-MTL (paper Sec. 3.1, Fig. 2b): a shared and a private LSTM per task."""
    _lstm(args, "sp")


@register_model_architecture("mtl_lstm", "asp_lstm")
def asp_lstm(args):
    """ASP-MTL (paper Sec. 4, Fig. 3): SP-MTL + task discriminator + orthogonality."""
    adversarial_defaults(args)
    sp_lstm(args)
