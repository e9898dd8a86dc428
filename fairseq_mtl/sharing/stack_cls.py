"""S-C, Stack-CLS (thesis Sec. 3.2.2, Eq. 3.9): a learned CLS vector at position 0 of the shared
stack, as in BERT; task t's linear softmax layer reads CLS's top state."""
import torch
from torch import nn

from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.stack_base import StackScheme


@register_scheme("stack_cls")
class StackCls(StackScheme):
    summary = "S-C, a CLS token"
    prefix_length = 1

    def build_prefix(self):
        self.cls = nn.Parameter(self.init_prefix_(torch.empty(self.dim)))  # d

    def prefix(self, batch_size, task_id):
        return self.cls.view(1, 1, -1).expand(batch_size, 1, -1)  # B x 1 x d

    def read(self, states, pad, task_id):
        cls = states[:, 0]  # B x d
        return cls, cls, None
