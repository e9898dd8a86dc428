"""``mtl_transfer``: new tasks on top of a FROZEN shared encoder taken from a multi-task
checkpoint (paper Sec. 5.5, Table 3).

=============  =============================================================================
arch           model
=============  =============================================================================
transfer_sc    single channel: frozen shared LSTM -> task softmax
transfer_bc    bi-channel: concat(frozen shared LSTM, new task LSTM) -> task softmax
=============  =============================================================================

    fairseq-mtl-extract-shared SRC/checkpoint_best.pt --out shared.pt
    fairseq-train DATA --user-dir user_dir --tasks books --arch transfer_bc \\
        --shared-encoder shared.pt ...

The data must have been prepared with the shared encoder's dictionary (the leave-one-out
protocol uses the same prepared directory with ``--tasks``). The checkpoint records what the
shared encoder is, so it loads (to evaluate or predict) without the shared-encoder file.
"""

import json
from dataclasses import dataclass, field

from fairseq.dataclass import ChoiceEnum
from fairseq.models import register_model, register_model_architecture

from fairseq_mtl.modules.embedding import WordEmbedding
from fairseq_mtl.modules.lstm_encoder import build_lstm_encoder
from fairseq_mtl.transfer import check_dictionary, load_shared_encoder

from .mtl_base import MtlModel, MtlModelConfig, training_defaults


@dataclass
class MtlTransferConfig(MtlModelConfig):
    shared_encoder: str = field(
        default="", metadata={"help": "file written by fairseq-mtl-extract-shared"})
    channels: ChoiceEnum(["sc", "bc"]) = field(
        default="bc", metadata={"help": "sc: frozen shared encoder only; bc: plus a new LSTM "
                                "per task"})
    hidden_dim: int = field(
        default=0, metadata={"help": "units of the new task LSTMs (bc); 0 = the shared one's"})
    encoder: ChoiceEnum(["same", "lstm", "bilstm", "slstm"]) = field(
        default="same", metadata={"help": "kind of the new task LSTMs (bc); same: the shared "
                                  "one's kind"})
    shared_spec: str = field(
        default="", metadata={"help": "(recorded at build time) the shared encoder's kind and "
                              "sizes, so that a checkpoint rebuilds without the file"})
    sharing: str = field(default="transfer", metadata={"help": "(fixed) the transfer scheme"})


@register_model("mtl_transfer", dataclass=MtlTransferConfig)
class MtlTransferModel(MtlModel):
    @classmethod
    def _shared(cls, cfg, task):
        """-> (spec, state or None): the state is read unless a checkpoint's weights follow."""
        if task.building_from_checkpoint and cfg.shared_spec:
            return json.loads(cfg.shared_spec), None
        if not cfg.shared_encoder:
            raise ValueError("--shared-encoder FILE is required (write the file with "
                             "fairseq-mtl-extract-shared CHECKPOINT --out FILE)")
        state = load_shared_encoder(cfg.shared_encoder)
        check_dictionary(state, task.source_dictionary.symbols, cfg.shared_encoder)
        return state["encoder"], state

    @classmethod
    def encoder_factory(cls, cfg, embed_dim, task):
        spec, _ = cls._shared(cfg, task)
        kind = spec["kind"] if cfg.encoder == "same" else cfg.encoder
        hidden = cfg.hidden_dim or spec["hidden_dim"]
        return lambda name: build_lstm_encoder(kind, embed_dim, hidden)

    @classmethod
    def scheme_kwargs(cls, cfg, embed_dim, task):
        spec, state = cls._shared(cfg, task)
        dictionary = task.source_dictionary
        embed = WordEmbedding(len(dictionary), spec["input_dim"], dictionary.pad())
        encoder = build_lstm_encoder(spec["kind"], spec["input_dim"], spec["hidden_dim"])
        if state is not None:
            embed.weight.data.copy_(state["embedding"])
            encoder.load_state_dict(state["encoder_state"])
        return {"frozen_embed": embed, "frozen_encoder": encoder, "channels": cfg.channels,
                "shared_spec": spec}

    def derived_config(self):
        return {"shared_spec": json.dumps(self.scheme.shared_spec, sort_keys=True)}


@register_model_architecture("mtl_transfer", "transfer_sc")
def transfer_sc(args):
    """Transfer, single channel (paper Sec. 5.5, Fig. 4): a frozen shared LSTM."""
    args.channels = getattr(args, "channels", "sc")
    training_defaults(args, "transfer")


@register_model_architecture("mtl_transfer", "transfer_bc")
def transfer_bc(args):
    """Transfer, bi-channel (paper Sec. 5.5, Fig. 4): frozen shared + own LSTM."""
    args.channels = getattr(args, "channels", "bc")
    training_defaults(args, "transfer")
