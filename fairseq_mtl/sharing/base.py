"""Base class of the sharing schemes.

A scheme owns the embeddings, encoders and task heads, and maps a one-task batch to a
:class:`SchemeOutput` (the task discriminator reads its shared vector; it belongs to
:class:`fairseq_mtl.adversary.Adversary`). Components are built through factories so that
the same scheme works with any sentence encoder (LSTM family, Transformer, ...):

* ``embed_factory(name) -> nn.Module``: token ids B x T -> B x T x E
* ``encoder_factory(name) -> module`` with ``output_dim`` and
  ``forward(x B x T x E, lengths B) -> B x D``
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import torch
from torch import nn

from fairseq_mtl.modules.heads import ClassificationHead
from fairseq_mtl.modules.init import init_uniform_, seeded


@dataclass
class SchemeOutput:
    logits: torch.Tensor  # B x C: the batch task's head
    shared: Optional[torch.Tensor] = None  # B x Ds: shared sentence vector (discriminator input)
    private: Optional[torch.Tensor] = None  # B x Dp: the task's private sentence vector

    def as_dict(self):
        return {k: v for k, v in self.__dict__.items() if v is not None}


class SharingScheme(nn.Module):
    name = "base"
    #: a few words for ``--sharing``'s help
    summary = ""
    #: the model families whose ``--sharing`` offers the scheme (mtl_lstm: "lstm",
    #: mtl_transformer: "transformer", mtl_baseline: "baseline"); () = built by code only
    offered_with = ()
    #: whether the scheme produces a shared sentence vector (the adversarial term is possible)
    has_shared_vector = False
    #: whether it also produces a task-specific vector (the orthogonality term is possible)
    has_private_vector = False
    #: whether the shared vector depends on the task id (task tokens): then sentences of
    #: different tasks cannot share one encoder pass (fairseq_mtl/adversary.py)
    shared_reads_task = True

    def __init__(
        self,
        task_names: Sequence[str],
        num_classes: Sequence[int],
        embed_factory: Callable[[str], nn.Module],
        encoder_factory: Callable[[str], nn.Module],
        seed: int = 1,
        init_range: float = 0.1,
        head_dropout: float = 0.0,
        head_hidden_dim: int = 0,
        head_activation: str = "relu",
        head_pooler: bool = False,
        head_init: Optional[Callable[[nn.Module], None]] = None,
    ):
        super().__init__()
        self.task_names = list(task_names)
        self.seed = seed
        self.init_range = init_range
        self._embed_factory = embed_factory
        self._encoder_factory = encoder_factory
        self.build()
        feature_dim = self.feature_dim()
        head_hidden_dim = self.head_hidden_dim(head_hidden_dim)
        self.heads = nn.ModuleList(
            [
                self.component(
                    f"{t}/head",
                    lambda n=n: ClassificationHead(feature_dim, n, head_dropout, head_hidden_dim,
                                               head_activation, head_pooler),
                )
                for t, n in zip(self.task_names, num_classes)
            ]
        )
        if head_init is not None:  # (after the seeded init: e.g. a pretrained model's pooler)
            for head in self.heads:
                head_init(head)

    # --- construction helpers -----------------------------------------------------------------
    def component(self, name: str, make: Callable[[], nn.Module]) -> nn.Module:
        """Build and initialise one named component from its own seed (see modules/init.py)."""
        with seeded(self.seed, name):
            module = make()  # the module's own init (init_range 0 keeps it)
            if self.init_range > 0:
                init_uniform_(module, self.init_range)
                if hasattr(module, "reset_pretrained"):  # the uniform init overwrote them
                    module.reset_pretrained()
        return module

    def make_embedding(self, name: str) -> nn.Module:
        return self.component(name, lambda: self._embed_factory(name))

    def make_encoder(self, name: str) -> nn.Module:
        return self.component(name, lambda: self._encoder_factory(name))

    # --- to implement --------------------------------------------------------------------------
    def build(self) -> None:
        raise NotImplementedError

    def feature_dim(self) -> int:
        raise NotImplementedError

    def head_hidden_dim(self, requested: int) -> int:
        """Hidden size of the task heads' ReLU layer (0 = linear heads); a scheme that always
        has an MLP head (the thesis' S-P) overrides this."""
        return requested

    def shared_dim(self) -> int:
        raise NotImplementedError(f"{self.name} has no shared sentence vector")

    def encode(self, src_tokens, src_lengths, task_id: int):
        """-> (features B x F for the head, shared B x Ds or None, private B x Dp or None)"""
        raise NotImplementedError

    def encode_shared(self, src_tokens, src_lengths, task_id: int) -> torch.Tensor:
        """Shared sentence vector only (unlabeled sentences of task ``task_id``, transfer).
        Schemes whose shared encoder does not depend on the task ignore ``task_id``."""
        raise NotImplementedError(f"{self.name} has no shared sentence vector")

    # --- forward ------------------------------------------------------------------------------
    def forward(self, src_tokens, src_lengths, task_id: int) -> SchemeOutput:
        features, shared, private = self.encode(src_tokens, src_lengths, task_id)
        return SchemeOutput(self.heads[task_id](features), shared, private)
