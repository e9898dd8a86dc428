"""Task samplers: in which order the per-task batches of an epoch are trained.

Each sampler lives in its own file and registers itself here by name; adding a sampler means
adding a file and one import line below, nothing else.
"""
from typing import Dict, Type

from fairseq_mtl.data.samplers.base import TaskSampler

SAMPLERS: Dict[str, Type[TaskSampler]] = {}


def register_sampler(name: str):
    def wrap(cls):
        if name in SAMPLERS:
            raise ValueError(f"sampler {name!r} registered twice")
        cls.name = name
        SAMPLERS[name] = cls
        return cls

    return wrap


def build_sampler(name: str, **options) -> TaskSampler:
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; choose from {sorted(SAMPLERS)}")
    return SAMPLERS[name](**options)


from fairseq_mtl.data.samplers import (  # noqa: E402,F401  (registration side effects)
    all_tasks,
    proportional,
    round_robin,
    temperature,
    uniform,
)
