"""Pretrained Transformer encoders: checkpoint formats read into the shared stack of every
Transformer scheme. One file per format; ``load_pretrained(path)`` finds the format that
recognises the path.

Formats (``PRETRAINED_FORMATS``):

* ``bert``: a Hugging Face BERT-layout directory (``config.json`` with ``model_type`` "bert",
  ``model.safetensors`` or ``pytorch_model.bin``, ``tokenizer.json``): BERT, MiniLM,
  all-MiniLM-L6-v2 and every checkpoint saved in BERT's layout;
* ``roberta``: a fairseq RoBERTa checkpoint (``model.pt`` + ``dict.txt``, GPT-2 BPE read with the
  user's ``encoder.json`` and ``vocab.bpe``), e.g. fairseq's ``roberta.base``.

Everything is read from local files through safe loading (safetensors, or torch's weights-only
unpickler); nothing is downloaded.
"""
from fairseq_mtl.pretrained.base import (  # noqa: F401 (re-exported)
    EncoderSpec, PretrainedEncoder, PretrainedError, PretrainedFormat)
from fairseq_mtl.registry import Registry

PRETRAINED_FORMATS: Registry[PretrainedFormat] = Registry("pretrained format", __name__)
register_format = PRETRAINED_FORMATS.register


def load_pretrained(path: str, weights: bool = True) -> PretrainedEncoder:
    """The pretrained encoder at ``path`` (a directory, or a fairseq ``model.pt``), with its
    weights unless ``weights`` is False (then only its shape, vocabulary and tokenizer)."""
    import os

    if not os.path.exists(path):
        raise PretrainedError(f"{path}: no such pretrained model (a Hugging Face BERT directory "
                              "or a fairseq RoBERTa model.pt; see README 'Pretrained encoders')")
    for name, fmt in PRETRAINED_FORMATS.items():
        if fmt.recognises(path):
            return fmt.load(path, weights)
    raise PretrainedError(
        f"{path}: not a pretrained model this project reads; expected a Hugging Face BERT-layout "
        "directory (config.json, model.safetensors or pytorch_model.bin, tokenizer.json) or a "
        "fairseq RoBERTa checkpoint (model.pt with dict.txt beside it)")


PRETRAINED_FORMATS.load()
