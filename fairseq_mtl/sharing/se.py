"""MT-CNN's sharing (paper Table 2, after Collobert & Weston 2008): the word lookup table is
shared by all tasks, every other layer (here the sentence encoder and the output layer) is the
task's own."""
from torch import nn

from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.base import SharingScheme


@register_scheme("se")
class SharedEmbedding(SharingScheme):
    summary = "shared word embeddings only (MT-CNN)"
    offered_with = ("baseline",)
    def build(self):
        self.embed = self.make_embedding("embed")
        self.encoders = nn.ModuleList([self.make_encoder(f"{t}/encoder") for t in self.task_names])

    def feature_dim(self):
        return self.encoders[0].output_dim

    def encode(self, src_tokens, src_lengths, task_id):
        return self.encoders[task_id](self.embed(src_tokens), src_lengths), None, None
