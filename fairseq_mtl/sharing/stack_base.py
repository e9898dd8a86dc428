"""Base of the thesis' Transformer schemes (Sun 2019, ch. 3.2): ONE shared Transformer stack over
shared word embeddings, with scheme-specific vectors put before the words (nothing, a CLS vector,
a task-id vector, all task vectors) and a scheme-specific way to read the top states.

On a pretrained encoder (BERT, RoBERTa: fairseq_mtl/pretrained/) the prefix takes [CLS]'s place:
every prefix vector starts as [CLS]'s input vector and sits at [CLS]'s position, the words keep
the positions they had in pretraining (so L-E's T task tokens cost no positions), and S-P, which
has no prefix from scratch, gets a CLS vector too (not read; pooling is over the words), because
a pretrained encoder has never seen a sequence without [CLS].

A subclass defines ``prefix_length``, ``prefix(batch_size, task_id)`` and ``read(...)``.

Shared and task-specific vectors, for the adversarial and orthogonality terms (a choice of ours;
the thesis trains these schemes without them):

* top-diverging schemes (S-P, S-C): the sentence vector is the shared vector; there is no
  task-specific vector, so only the adversarial term applies;
* layer-wise schemes (L-I, L-E): the shared vector is the mean of the words' top states, the
  task-specific vector is the top state of the task's token (what the head reads). The word states
  are computed by shared weights but can look at the task token(s), so the adversarial term here
  pushes the task information out of the words and into the task token.
"""
from typing import Optional

import torch

from fairseq_mtl.modules.embedding import segment_ids
from fairseq_mtl.modules.init import seeded
from fairseq_mtl.modules.transformer_encoder import masked_mean
from fairseq_mtl.sharing.base import SharingScheme


class StackScheme(SharingScheme):
    offered_with = ("transformer",)  # one shared Transformer stack
    has_shared_vector = True
    prefix_length = 0

    def __init__(self, *, sep_index: Optional[int] = None, **kwargs):
        # data with sentence pairs ("A <sep> B") gets a segment embedding (0 up to and including
        # <sep>, 1 after it) added to the word vectors; data without <sep> gets none
        self.sep_index = sep_index
        super().__init__(**kwargs)

    def build(self):
        self.embed = self.make_embedding("embed")
        encoder = self.make_encoder("shared/encoder")
        if not hasattr(encoder, "stack"):
            raise ValueError(f"the {self.name!r} scheme needs a Transformer encoder, not "
                             f"{type(encoder).__name__}")
        self.stack = encoder.stack  # the wrapper's pooling is not used: read() decides
        self.dim = self.stack.dim
        # a pretrained encoder's [CLS] input vector: where CLS and task vectors start from
        self._prefix_init = getattr(self.embed, "prefix_vector", lambda: None)()
        with seeded(self.seed, "shared/prefix"):
            self.build_prefix()
        self.segment = None
        if self.sep_index is not None and self._prefix_init is None:
            with seeded(self.seed, "shared/segment"):
                self.segment = torch.nn.Embedding(2, self.embed.embedding_dim)
                task_vector_init_(self.segment.weight)

    def build_prefix(self) -> None:
        pass

    @property
    def pretrained(self) -> bool:
        """Whether the stack is a pretrained encoder (its embedding gives a [CLS] vector)."""
        return self._prefix_init is not None

    def init_prefix_(self, weight: torch.Tensor) -> torch.Tensor:
        """Fill CLS / task vectors (rows of ``weight``): a pretrained encoder's [CLS] vector in
        every row (the task tokens then differ only through training; their heads differ from
        the start), else N(0, 0.02) like the learned positions."""
        if self._prefix_init is None:
            return task_vector_init_(weight)
        with torch.no_grad():
            return weight.copy_(self._prefix_init.to(weight.dtype).expand_as(weight))

    def feature_dim(self):
        return self.dim

    def shared_dim(self):
        return self.dim

    def prefix(self, batch_size: int, task_id: int) -> Optional[torch.Tensor]:
        """B x P x d vectors put before the words, or None."""
        return None

    def read(self, states, pad, task_id):
        """states B x (P+T) x d, pad B x (P+T) or None -> (features, shared, private)."""
        raise NotImplementedError

    def run_stack(self, src_tokens, src_lengths, task_id, need_weights=False):
        x = self.embed(src_tokens)  # B x T x E
        if self.segment is not None:
            x = x + self.segment(segment_ids(src_tokens, self.sep_index))
        return self.stack(x, src_lengths, self.prefix(x.size(0), task_id), need_weights)

    def encode(self, src_tokens, src_lengths, task_id):
        states, pad, _ = self.run_stack(src_tokens, src_lengths, task_id)
        return self.read(states, pad, task_id)

    def encode_shared(self, src_tokens, src_lengths, task_id=None):
        return self.encode(src_tokens, src_lengths, task_id)[1]

    def word_mean(self, states, pad):
        return masked_mean(states, pad, start=self.prefix_length)  # B x d

    @torch.no_grad()
    def attention(self, src_tokens, src_lengths, task_id):
        """Attention weights of every layer, each B x H x L x L (L = prefix + words)."""
        _, _, weights = self.run_stack(src_tokens, src_lengths, task_id, need_weights=True)
        return weights


def task_vector_init_(weight: torch.Tensor) -> torch.Tensor:
    """CLS / task vectors start small, like the learned positions."""
    return torch.nn.init.normal_(weight, std=0.02)
