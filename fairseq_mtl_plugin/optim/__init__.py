"""Optimizers fairseq-mtl registers with fairseq."""
from . import torch_adamw  # noqa: F401
