"""Single-task baselines (paper Table 2, "Single Task"): K independent models, nothing shared,
not even the word embeddings. Training them with one command is exactly K separate trainings
(each task's parameters only ever see its own batches; see modules/init.py for the init)."""
from torch import nn

from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.base import SharingScheme


@register_scheme("single")
class SingleTask(SharingScheme):
    summary = "K independent models"
    offered_with = ("lstm", "transformer", "baseline")
    def build(self):
        self.embeddings = nn.ModuleList([self.make_embedding(f"{t}/embed")
                                         for t in self.task_names])
        self.encoders = nn.ModuleList([self.make_encoder(f"{t}/encoder") for t in self.task_names])

    def feature_dim(self):
        return self.encoders[0].output_dim

    def encode(self, src_tokens, src_lengths, task_id):
        x = self.embeddings[task_id](src_tokens)
        return self.encoders[task_id](x, src_lengths), None, None
