"""L-E, Layerwise-Explicit (thesis Sec. 3.2.4): T learnable task tokens (one CLS per task) are ALL
put before the words (sequence length T + n); every position attends to all of them, so at every
layer a task's token can see how the other tasks' tokens read the sentence. For a sentence of task
t the model reads position t's top state into task t's head. Unlike L-I, every task token takes
part in (and gets gradient from) every task's batches; only the heads are task-private."""
import torch
from torch import nn

from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.stack_base import StackScheme


@register_scheme("layerwise_explicit")
class LayerwiseExplicit(StackScheme):
    summary = "L-E, all task tokens before the words"
    has_private_vector = True

    @property
    def prefix_length(self):
        return len(self.task_names)

    def build_prefix(self):
        self.task_tokens = nn.Parameter(
            self.init_prefix_(torch.empty(len(self.task_names), self.dim))
        )  # T x d

    def prefix(self, batch_size, task_id):
        return self.task_tokens.unsqueeze(0).expand(batch_size, -1, -1)  # B x T x d

    def read(self, states, pad, task_id):
        task_state = states[:, task_id]  # B x d
        return task_state, self.word_mean(states, pad), task_state
