"""SP-MTL (paper Sec. 3.1, Fig. 2b, Eq. 8-9): a shared encoder and a private encoder per task run
over the same word embeddings; task k's softmax reads concat(shared h_T, private_k h_T).
With an adversary (fairseq_mtl/adversary.py, ``--adversarial-weight`` > 0) and the criterion's
orthogonality term this is ASP-MTL (Sec. 4)."""
import torch
from torch import nn

from fairseq_mtl.sharing import register_scheme
from fairseq_mtl.sharing.base import SharingScheme


@register_scheme("sp")
class SharedPrivate(SharingScheme):
    summary = "shared-private (SP-MTL; ASP-MTL with the adversarial and orthogonality terms)"
    offered_with = ("lstm", "transformer")
    has_shared_vector = True
    shared_reads_task = False
    has_private_vector = True

    def build(self):
        self.embed = self.make_embedding("embed")
        self.shared_encoder = self.make_encoder("shared/encoder")
        self.private_encoders = nn.ModuleList(
            [self.make_encoder(f"{t}/encoder") for t in self.task_names]
        )

    def feature_dim(self):
        return self.shared_encoder.output_dim + self.private_encoders[0].output_dim

    def shared_dim(self):
        return self.shared_encoder.output_dim

    def encode_shared(self, src_tokens, src_lengths, task_id=None):
        return self.shared_encoder(self.embed(src_tokens), src_lengths)

    def encode(self, src_tokens, src_lengths, task_id):
        x = self.embed(src_tokens)  # B x T x E, computed once for both encoders
        shared = self.shared_encoder(x, src_lengths)  # B x Ds
        private = self.private_encoders[task_id](x, src_lengths)  # B x Dp
        return torch.cat([shared, private], dim=-1), shared, private
