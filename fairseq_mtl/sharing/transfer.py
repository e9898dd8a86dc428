"""Shared-knowledge transfer (paper Sec. 5.5, Fig. 4): a shared encoder trained on other tasks,
FROZEN, feeds new tasks' output layers.

* ``sc`` (single channel): task k's softmax reads the frozen shared sentence vector only.
* ``bc`` (bi-channel): it reads concat(frozen shared vector, task k's own new LSTM). The new
  LSTMs read their own trainable word vectors (initialised like any model's), so that nothing
  the shared layer learned is changed.

The frozen modules are given ready-made (weights from ``fairseq-mtl-extract-shared``); their
parameters have ``requires_grad=False`` (fairseq's optimizer only takes parameters that need a
gradient) and they run without autograd.
"""
from itertools import chain

import torch
from torch import nn

from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.base import SharingScheme

CHANNELS = ("sc", "bc")


@register_scheme("transfer")
class FrozenSharedTransfer(SharingScheme):
    summary = "a frozen shared encoder for new tasks (transfer_sc / transfer_bc archs)"
    def __init__(self, *, frozen_embed: nn.Module, frozen_encoder: nn.Module,
                 channels: str = "bc", shared_spec: dict = None, **kwargs):
        if channels not in CHANNELS:
            raise ValueError(f"channels must be one of {CHANNELS}, got {channels!r}")
        self._frozen = (frozen_embed, frozen_encoder)  # a tuple: not yet registered
        self.channels = channels
        self.shared_spec = dict(shared_spec or {})  # kind and sizes of the frozen encoder
        super().__init__(**kwargs)

    def build(self):
        self.shared_embed, self.shared_encoder = self._frozen
        del self._frozen
        for p in chain(self.shared_embed.parameters(), self.shared_encoder.parameters()):
            p.requires_grad_(False)
        if self.channels == "bc":
            self.embed = self.make_embedding("private/embed")
            self.private_encoders = nn.ModuleList(
                [self.make_encoder(f"{t}/encoder") for t in self.task_names]
            )

    def train(self, mode: bool = True):
        super().train(mode)
        self.shared_embed.eval()  # frozen: no dropout either
        self.shared_encoder.eval()
        return self

    def feature_dim(self):
        private = self.private_encoders[0].output_dim if self.channels == "bc" else 0
        return self.shared_encoder.output_dim + private

    def encode_shared(self, src_tokens, src_lengths, task_id=None):
        with torch.no_grad():
            return self.shared_encoder(self.shared_embed(src_tokens), src_lengths)

    def encode(self, src_tokens, src_lengths, task_id):
        shared = self.encode_shared(src_tokens, src_lengths)
        if self.channels == "sc":
            return shared, shared, None
        private = self.private_encoders[task_id](self.embed(src_tokens), src_lengths)
        return torch.cat([shared, private], dim=-1), shared, private
