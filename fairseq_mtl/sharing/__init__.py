"""Sharing schemes: how the encoders of K tasks share parameters. One file per scheme."""
from typing import Dict, Type

from fairseq_mtl.sharing.base import SchemeOutput, SharingScheme

SCHEMES: Dict[str, Type[SharingScheme]] = {}


def register_scheme(name: str):
    def wrap(cls):
        if name in SCHEMES:
            raise ValueError(f"sharing scheme {name!r} registered twice")
        cls.name = name
        SCHEMES[name] = cls
        return cls

    return wrap


def build_scheme(name: str, **kwargs) -> SharingScheme:
    if name not in SCHEMES:
        raise ValueError(f"unknown sharing scheme {name!r}; choose from {sorted(SCHEMES)}")
    return SCHEMES[name](**kwargs)


from fairseq_mtl.sharing import (  # noqa: E402,F401  (registration side effects)
    frozen_shared,
    fully_shared,
    layerwise_explicit,
    layerwise_implicit,
    shared_embedding,
    shared_private,
    single_task,
    stack_cls,
    stack_pool,
)
