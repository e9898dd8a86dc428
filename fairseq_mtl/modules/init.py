"""Deterministic, composition-independent parameter initialisation.

Every component (an encoder, a task head, the discriminator, ...) is initialised from its own
seed derived from (run seed, component name). Task k's parameters are therefore the same
whether it is trained alone or next to 15 other tasks, which is what makes "one command trains
16 single-task models" equal to 16 separate runs.
"""
from __future__ import annotations

import contextlib
import zlib

import torch
from torch import nn


def component_seed(seed: int, name: str) -> int:
    return (seed * 1_000_003 + zlib.crc32(name.encode("utf-8"))) % (2**31 - 1)


@contextlib.contextmanager
def seeded(seed: int, name: str):
    """Run the block with torch's CPU RNG seeded for ``name``; the global RNG is restored."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(component_seed(seed, name))
        yield


def init_uniform_(module: nn.Module, init_range: float) -> nn.Module:
    """All parameters ~ U[-init_range, init_range] (paper Sec. 5.3: U[-0.1, 0.1]); biases and
    LayerNorm are left as PyTorch sets them when ``init_range`` <= 0."""
    if init_range > 0:
        for p in module.parameters():
            nn.init.uniform_(p, -init_range, init_range)
    return module
