"""FS-MTL (paper Sec. 3.1, Fig. 2a): one shared encoder for all tasks, a softmax layer per task."""
from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.base import SharingScheme


@register_scheme("fs")
class FullyShared(SharingScheme):
    summary = "fully shared (FS-MTL)"
    offered_with = ("lstm", "transformer", "baseline")
    has_shared_vector = True
    shared_reads_task = False

    def build(self):
        self.embed = self.make_embedding("embed")
        self.shared_encoder = self.make_encoder("shared/encoder")

    def feature_dim(self):
        return self.shared_encoder.output_dim

    def shared_dim(self):
        return self.shared_encoder.output_dim

    def encode_shared(self, src_tokens, src_lengths, task_id=None):
        return self.shared_encoder(self.embed(src_tokens), src_lengths)

    def encode(self, src_tokens, src_lengths, task_id):
        shared = self.encode_shared(src_tokens, src_lengths, task_id)
        return shared, shared, None
