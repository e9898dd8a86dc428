"""S-P, Stack-Pooling (thesis Sec. 3.2.1, Eq. 3.7): the shared stack's top states are mean-pooled
over the real words; task t's MLP (one ReLU hidden layer, which the thesis adds to S-P only) and
softmax read the pooled vector."""
from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.stack_base import StackScheme


@register_scheme("stack_pool")
class StackPool(StackScheme):
    summary = "S-P, mean-pooled shared stack"
    def head_hidden_dim(self, requested):
        return requested or self.dim  # always an MLP; its hidden size defaults to d

    def read(self, states, pad, task_id):
        pooled = self.word_mean(states, pad)  # B x d
        return pooled, pooled, None
