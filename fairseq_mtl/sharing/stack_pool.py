"""S-P, Stack-Pooling (thesis Sec. 3.2.1, Eq. 3.7): the shared stack's top states are mean-pooled
over the real words; task t's MLP (one ReLU hidden layer, which the thesis adds to S-P only) and
softmax read the pooled vector. On a pretrained encoder a CLS vector goes before the words (see
stack_base.py); the pooling stays over the words."""
import torch
from torch import nn

from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.stack_base import StackScheme


@register_scheme("stack_pool")
class StackPool(StackScheme):
    summary = "S-P, mean-pooled shared stack"

    def build_prefix(self):
        self.cls = nn.Parameter(self.init_prefix_(torch.empty(self.dim))) if self.pretrained \
            else None

    @property
    def prefix_length(self):
        return 1 if getattr(self, "cls", None) is not None else 0

    def prefix(self, batch_size, task_id):
        if self.cls is None:
            return None
        return self.cls.view(1, 1, -1).expand(batch_size, 1, -1)  # B x 1 x d

    def head_hidden_dim(self, requested):
        return requested or self.dim  # always an MLP; its hidden size defaults to d

    def read(self, states, pad, task_id):
        pooled = self.word_mean(states, pad)  # B x d
        return pooled, pooled, None
