"""L-I, Layerwise-Implicit (thesis Sec. 3.2.3): position 0 holds the TASK_ID token of the
sentence's task, looked up in a task-embedding table (T x d), in place of CLS. The top state of
position 0 feeds task t's linear head (one head per task, as in the thesis' code). At every layer
the task token forms a task-specific sentence representation; tasks interact only implicitly,
through the shared weights: row t of the table gets gradient from task t's batches only."""
from torch import nn

from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.stack_base import StackScheme


@register_scheme("layerwise_implicit")
class LayerwiseImplicit(StackScheme):
    summary = "L-I, the task's token at position 0"
    has_private_vector = True
    prefix_length = 1

    def build_prefix(self):
        self.task_embed = nn.Embedding(len(self.task_names), self.dim)  # T x d
        self.init_prefix_(self.task_embed.weight)

    def prefix(self, batch_size, task_id):
        token = self.task_embed.weight[task_id]  # d: only row task_id enters the graph
        return token.view(1, 1, -1).expand(batch_size, 1, -1)  # B x 1 x d

    def read(self, states, pad, task_id):
        task_state = states[:, 0]  # B x d
        return task_state, self.word_mean(states, pad), task_state
