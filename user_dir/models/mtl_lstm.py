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

import logging
import os
from dataclasses import dataclass, field

import numpy as np
from fairseq.dataclass import ChoiceEnum, FairseqDataclass
from fairseq.models import BaseFairseqModel, register_model, register_model_architecture
from omegaconf import II

from fairseq_mtl.modules.embedding import WordEmbedding
from fairseq_mtl.modules.lstm_encoder import build_lstm_encoder
from fairseq_mtl.sharing import build_scheme

logger = logging.getLogger(__name__)


@dataclass
class MtlLstmConfig(FairseqDataclass):
    sharing: ChoiceEnum(["single", "fs", "sp"]) = field(
        default="sp", metadata={"help": "single: K independent models; fs: fully shared; "
                                "sp: shared-private"})
    encoder: ChoiceEnum(["lstm", "bilstm", "slstm"]) = field(
        default="lstm", metadata={"help": "sentence encoder (paper Sec. 2)"})
    hidden_dim: int = field(default=100, metadata={"help": "LSTM units d per direction"})
    embed_dim: int = field(
        default=0, metadata={"help": "word embedding size; 0 = the prepared vectors' size "
                             "(50 for glove-6b-50d), 200 without vectors"})
    pretrained_embeddings: bool = field(
        default=True, metadata={"help": "initialise from the vectors fairseq-mtl-prepare "
                                "aligned with the dictionary (if any)"})
    freeze_embeddings: bool = field(default=False, metadata={"help": "do not train embeddings"})
    embed_dropout: float = field(default=0.0, metadata={"help": "dropout on word embeddings"})
    head_dropout: float = field(default=0.0, metadata={"help": "dropout before each task head"})
    init_range: float = field(
        default=0.1, metadata={"help": "non-embedding weights ~ U[-r, r] (paper: 0.1)"})
    adversarial_weight: float = field(
        default=0.0, metadata={"help": "lambda: gradient-reversal coefficient of the task "
                               "discriminator on the shared vector; 0 = no discriminator"})
    orthogonality_weight: float = field(
        default=0.0, metadata={"help": "gamma: weight of L_diff = ||S^T H||_F^2 (needs a "
                               "private encoder)"})
    no_discriminator_bias: bool = field(
        default=False, metadata={"help": "drop the bias b of D(s) = softmax(b + U s) (paper "
                                 "Eq. 12); see fairseq_mtl/modules/heads.py"})
    raw_orthogonality: bool = field(
        default=False, metadata={"help": "L_diff as printed in Eq. 14, ||S^T H||_F^2, instead of "
                                 "the default on centred, row-normalised vectors (Bousmalis et "
                                 "al. 2016's code); the raw form lets the shared vectors "
                                 "collapse to 0"})
    seed: int = II("common.seed")


@register_model("mtl_lstm", dataclass=MtlLstmConfig)
class MtlLstmModel(BaseFairseqModel):
    def __init__(self, cfg: MtlLstmConfig, scheme):
        super().__init__()
        self.cfg = cfg
        self.scheme = scheme

    @classmethod
    def build_model(cls, cfg: MtlLstmConfig, task):
        pretrained = found = None
        emb = task.manifest.embeddings
        if cfg.pretrained_embeddings and emb:
            pretrained = np.load(os.path.join(task.cfg.data, emb["file"]))
            found = np.load(os.path.join(task.cfg.data, emb["found_file"]))
        embed_dim = cfg.embed_dim or (pretrained.shape[1] if pretrained is not None else 200)
        if pretrained is not None and pretrained.shape[1] != embed_dim:
            raise ValueError(
                f"--embed-dim {embed_dim} but the prepared vectors have {pretrained.shape[1]} "
                "dimensions; drop --embed-dim or --no-pretrained-embeddings"
            )
        dictionary = task.source_dictionary
        seed = getattr(cfg, "seed", 1)

        def embed_factory(name):
            return WordEmbedding(len(dictionary), embed_dim, dictionary.pad(), pretrained,
                                 found, cfg.embed_dropout, cfg.freeze_embeddings)

        def encoder_factory(name):
            return build_lstm_encoder(cfg.encoder, embed_dim, cfg.hidden_dim)

        scheme = build_scheme(
            cfg.sharing,
            task_names=task.task_names,
            num_classes=[t.num_classes for t in task.task_entries],
            embed_factory=embed_factory,
            encoder_factory=encoder_factory,
            seed=seed,
            init_range=cfg.init_range,
            head_dropout=cfg.head_dropout,
            adversarial_weight=cfg.adversarial_weight,
            discriminator_bias=not cfg.no_discriminator_bias,
        )
        if cfg.orthogonality_weight > 0 and cfg.sharing != "sp":
            raise ValueError("--orthogonality-weight needs private encoders (sharing=sp)")
        model = cls(cfg, scheme)
        log_parameter_counts(model)
        return model

    def forward(self, src_tokens, src_lengths, task_id: int):
        return self.scheme(src_tokens, src_lengths, task_id).as_dict()

    def discriminate(self, src_tokens, src_lengths):
        return self.scheme.discriminate(src_tokens, src_lengths)

    def max_positions(self):
        return None


def log_parameter_counts(model) -> None:
    total = sum(p.numel() for p in model.parameters())
    embed = sum(
        p.numel() for n, p in model.named_parameters() if n.endswith("weight") and ".embed" in n
    )
    logger.info(
        f"parameters: {total:,} in all, {total - embed:,} without word embeddings "
        f"({embed:,} embedding)"
    )


def base_architecture(args):
    pass  # the dataclass holds every default (register_model registers the "mtl_lstm" arch)


@register_model_architecture("mtl_lstm", "st_lstm")
def st_lstm(args):
    args.sharing = getattr(args, "sharing", "single")
    args.encoder = getattr(args, "encoder", "lstm")
    base_architecture(args)


@register_model_architecture("mtl_lstm", "st_bilstm")
def st_bilstm(args):
    args.encoder = getattr(args, "encoder", "bilstm")
    st_lstm(args)


@register_model_architecture("mtl_lstm", "st_slstm")
def st_slstm(args):
    args.encoder = getattr(args, "encoder", "slstm")
    st_lstm(args)


@register_model_architecture("mtl_lstm", "fs_lstm")
def fs_lstm(args):
    args.sharing = getattr(args, "sharing", "fs")
    base_architecture(args)


@register_model_architecture("mtl_lstm", "sp_lstm")
def sp_lstm(args):
    args.sharing = getattr(args, "sharing", "sp")
    base_architecture(args)


@register_model_architecture("mtl_lstm", "asp_lstm")
def asp_lstm(args):
    # paper Sec. 5.3: lambda = 0.05, gamma = 0.01
    args.adversarial_weight = getattr(args, "adversarial_weight", 0.05)
    args.orthogonality_weight = getattr(args, "orthogonality_weight", 0.01)
    sp_lstm(args)
